"""Where a purchase started (DOMAIN.md "Orders", scenes): one table for every layer. Content,
catalog and stores put a scene on the links they render; orders record it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scene(models.IntegerChoices):
    OTHER = 1, _("其他")
    LIVE_ROOM = 2, _("直播间")
    SHORT_VIDEO = 3, _("短视频")
    PRODUCT_SHARE = 4, _("商品分享")
    STORE_HOMEPAGE = 5, _("店铺主页")
    ARTICLE = 6, _("公众号文章")
    SEARCH = 7, _("搜索")
    FEED = 8, _("发现页推荐")
    CHAT = 9, _("单聊")
    GROUP_CHAT = 10, _("群聊")
    MOMENTS = 11, _("朋友圈")
    MINI_PROGRAM = 12, _("小程序")
    BUSINESS_CONTACT = 13, _("企业微信联系人")


PRIVATE_DOMAIN = frozenset(
    {Scene.CHAT, Scene.GROUP_CHAT, Scene.MOMENTS, Scene.MINI_PROGRAM, Scene.BUSINESS_CONTACT}
)
