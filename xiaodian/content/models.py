"""Official accounts and their articles, video accounts and their short videos, mini programs,
and who follows and likes them. "Once" (a follow, a like) is a unique constraint each time;
counters change only through `F()` updates in the services."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import User

from . import rules
from .rules import State


class OfficialAccount(models.Model):
    """An official account (公众号). `follower_count` is for its owner only (DOMAIN.md "Not only
    for the top")."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="official_accounts")
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    name_key = models.CharField(max_length=rules.NAME_MAX * 4, unique=True, editable=False)
    intro = models.CharField(_("简介"), max_length=rules.INTRO_MAX, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("公众号")
        verbose_name_plural = pgettext_lazy("plural", "公众号")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """An article: sanitised HTML with product-card placeholders, whose product ids are kept in
    `product_ids` too (content may not import the catalog; cards resolve at render time)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(_("标题"), max_length=rules.TITLE_MAX)
    body = models.TextField(_("正文"))
    product_ids = models.JSONField(default=list, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("文章")
        verbose_name_plural = pgettext_lazy("plural", "文章")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="article_state_known"),
        ]
        indexes = [models.Index(fields=["account", "state", "-published_at"])]

    def __str__(self) -> str:
        return self.title


class VideoAccount(models.Model):
    """A video account (视频号). `follower_count` is for its owner only."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="video_accounts")
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    name_key = models.CharField(max_length=rules.NAME_MAX * 4, unique=True, editable=False)
    intro = models.CharField(_("简介"), max_length=rules.INTRO_MAX, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("视频号")
        verbose_name_plural = pgettext_lazy("plural", "视频号")

    def __str__(self) -> str:
        return self.name


class Video(models.Model):
    """A short video: an uploaded file (not transcoded) or an https URL, exactly one of them."""

    account = models.ForeignKey(VideoAccount, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(_("标题"), max_length=rules.TITLE_MAX)
    file = models.FileField(_("视频文件"), upload_to="videos/%Y/%m/", blank=True)
    url = models.URLField(_("视频链接"), max_length=rules.VIDEO_URL_MAX, blank=True)
    cover = models.ImageField(_("封面"), upload_to="video-covers/%Y/%m/")
    product_id = models.BigIntegerField(_("商品卡片"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("短视频")
        verbose_name_plural = pgettext_lazy("plural", "短视频")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="video_state_known"),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")), name="video_one_source"
            ),
        ]
        indexes = [models.Index(fields=["account", "state", "-published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def source_url(self) -> str:
        return self.file.url if self.file else self.url


class MiniProgram(models.Model):
    """A mini program (小程序) and the path of its mall."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mini_programs")
    name = models.CharField(_("名称"), max_length=rules.NAME_MAX)
    app_id = models.CharField(_("AppID"), max_length=rules.APP_ID_LENGTH, unique=True)
    mall_path = models.CharField(_("商城路径"), max_length=rules.MALL_PATH_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("小程序")
        verbose_name_plural = pgettext_lazy("plural", "小程序")
        constraints = [
            models.CheckConstraint(
                condition=Q(mall_path__startswith="/"), name="mini_program_mall_path_rooted"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OfficialAccountFollow(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="official_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.account_id}"


class VideoAccountFollow(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(VideoAccount, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="video_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.account_id}"


class ArticleLike(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "article"], name="article_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.article_id}"


class VideoLike(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="video_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.video_id}"
