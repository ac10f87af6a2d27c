"""The content pages' forms: they parse what people type; the rules live in the services, whose
refusals are put next to the field they name."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.core.forms import DomainErrorForm

from . import rules


class AccountForm(DomainErrorForm):
    name = forms.CharField(label=_("名称"), max_length=rules.NAME_MAX)
    intro = forms.CharField(
        label=_("简介"), max_length=rules.INTRO_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MiniProgramForm(DomainErrorForm):
    name = forms.CharField(label=_("名称"), max_length=rules.NAME_MAX)
    app_id = forms.CharField(
        label=_("AppID"), max_length=rules.APP_ID_LENGTH, help_text=_("wx 加 16 位十六进制字符")
    )
    mall_path = forms.CharField(label=_("商城路径"), max_length=rules.MALL_PATH_MAX, initial="/pages/index")


class ArticleForm(DomainErrorForm):
    title = forms.CharField(label=_("标题"), max_length=rules.TITLE_MAX)
    body = forms.CharField(
        label=_("正文（HTML）"),
        max_length=rules.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=format_lazy(
            _("插入商品卡片：{card}（最多 {n} 张）。脚本和不支持的标签会被去掉。"),
            card='<product-card data-product-id="商品ID"></product-card>',
            n=rules.PRODUCT_CARDS_MAX,
        ),
    )


class VideoForm(DomainErrorForm):
    title = forms.CharField(label=_("标题"), max_length=rules.TITLE_MAX)
    file = forms.FileField(
        label=_("视频文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm"}),
        help_text=format_lazy(
            _("MP4 或 WebM，不超过 {mb} MB；或填写下面的链接。"), mb=rules.VIDEO_MAX_BYTES // 2**20
        ),
    )
    url = forms.URLField(label=_("视频链接（https）"), required=False, max_length=rules.VIDEO_URL_MAX)
    cover = forms.FileField(
        label=_("封面"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    product_id = forms.IntegerField(
        label=_("商品卡片（商品ID）"), required=False, min_value=1, max_value=2**63 - 1
    )
