from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiaodian.accounts.models import Subject, User
from xiaodian.accounts.rules import Role
from xiaodian.content.models import MiniProgram, OfficialAccount, VideoAccount
from xiaodian.core import clock

from . import rules


class PlatformRules(models.Model):
    """The live store rules, one row, edited by operators in the admin without a deploy."""

    enterprise_store_limit = models.PositiveIntegerField(
        _("企业店铺上限"), default=rules.STORE_LIMITS["enterprise"]
    )
    individual_business_store_limit = models.PositiveIntegerField(
        _("个体工商户店铺上限"), default=rules.STORE_LIMITS["individual_business"]
    )
    individual_store_limit = models.PositiveIntegerField(
        _("个人店铺上限"), default=rules.STORE_LIMITS["individual"]
    )
    legacy_video_store_limit = models.PositiveIntegerField(
        _("视频号小店上限"), default=rules.LEGACY_VIDEO_STORE_LIMIT
    )
    reserved_words = models.TextField(
        _("保留词"), default="\n".join(rules.RESERVED_WORDS), help_text=_("每行一个")
    )
    upgrade_deadline = models.DateTimeField(_("升级截止时间"), null=True, blank=True)
    links_per_kind = models.PositiveIntegerField(_("每类关联账号上限"), default=rules.LINKS_PER_KIND)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("平台规则")
        verbose_name_plural = pgettext_lazy("plural", "平台规则")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="platform_rules_single_row")]

    def __str__(self) -> str:
        return str(_("平台规则"))

    def store_limit(self, subject_kind: str) -> int:
        return getattr(self, f"{subject_kind}_store_limit")

    def reserved_word_list(self) -> list[str]:
        return [w.strip() for w in self.reserved_words.splitlines() if w.strip()]


class Category(models.Model):
    """The category tree. `deposit_fen` empty means "as the parent"; 0 means no deposit."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("类目名称"), max_length=40)
    deposit_fen = models.BigIntegerField(_("保证金（分）"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("类目")
        verbose_name_plural = pgettext_lazy("plural", "类目")
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_fen__gte=0) | Q(deposit_fen__isnull=True),
                name="category_deposit_not_negative",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class BrandAuthorization(models.Model):
    """A subject's right to a brand, approved by operators; brand stores name themselves after it."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="brand_authorizations")
    brand = models.CharField(_("品牌"), max_length=rules.BRAND_MAX)
    certificate_number = models.CharField(_("商标注册号/授权书编号"), max_length=rules.CERTIFICATE_NUMBER_MAX)
    status = models.CharField(
        max_length=12, choices=rules.AuthorizationStatus.choices, default=rules.AuthorizationStatus.PENDING
    )
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("品牌授权")
        verbose_name_plural = pgettext_lazy("plural", "品牌授权")

    def __str__(self) -> str:
        return f"{self.brand} ({self.subject})"


class Store(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(_("店铺名称"), max_length=rules.NAME_MAX)
    # case folding can triple a character ("ﬃ" -> "ffi"), so the key has room for that
    name_key = models.CharField(max_length=rules.NAME_MAX * 4, unique=True, editable=False)
    kind = models.CharField(_("店铺类型"), max_length=12, choices=rules.StoreKind.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=rules.StoreState.choices, default=rules.StoreState.OPENING
    )
    main_category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("店铺简介"), max_length=rules.DESCRIPTION_MAX, blank=True)
    is_legacy_video = models.BooleanField(_("视频号小店（旧）"), default=False)
    upgraded_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The end of the store's latest promotion (a full-reduction campaign), kept by the app that runs
    # it: a checkout looks for promotions only before then, so a store without any costs no query.
    promotions_until = models.DateTimeField(null=True, blank=True)

    # Not a column: the viewing user's role in the store (None: none), set by `access.store_for`
    # and by the reads that load a store for one viewer.
    viewer_role: str | None

    class Meta:
        ordering = ["-id"]
        verbose_name = _("店铺")
        verbose_name_plural = pgettext_lazy("plural", "店铺")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=rules.StoreKind.values), name="store_kind_known"),
            models.CheckConstraint(condition=Q(state__in=rules.StoreState.values), name="store_state_known"),
        ]
        indexes = [models.Index(fields=["subject", "state"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_upgraded(self) -> bool:
        return not self.is_legacy_video or self.upgraded_at is not None


class StoreStaff(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="store_roles")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("店铺员工")
        verbose_name_plural = pgettext_lazy("plural", "店铺员工")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="staff_once_per_store"),
            models.UniqueConstraint(fields=["store"], condition=Q(role="owner"), name="one_owner_per_store"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="staff_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.role})"


class StoreDeposit(models.Model):
    pay_url: str = ""  # not stored: where to pay it while pending, set on services.pay_deposit's answer
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="deposits")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField()
    status = models.CharField(
        max_length=12, choices=rules.DepositStatus.choices, default=rules.DepositStatus.PENDING
    )
    transaction_id = models.CharField(max_length=64, blank=True)
    refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("类目保证金")
        verbose_name_plural = pgettext_lazy("plural", "类目保证金")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="deposit_amount_not_negative"),
            models.UniqueConstraint(
                fields=["store", "category"],
                condition=~Q(status="refunded"),
                name="one_live_deposit_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.category} · {self.status}"


_LIVE_LINK = Q(state__in=rules.LIVE_LINK_STATES)


class StoreLink(models.Model):
    """A store's link to an official account, a video account or a mini program: invited by
    the store, bound only when the account's owner accepts (DOMAIN.md "Touchpoints")."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("类型"), max_length=20, choices=rules.LinkKind.choices)
    official_account = models.ForeignKey(
        OfficialAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="store_links"
    )
    video_account = models.ForeignKey(
        VideoAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="store_links"
    )
    mini_program = models.ForeignKey(
        MiniProgram, null=True, blank=True, on_delete=models.CASCADE, related_name="store_links"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=rules.LinkState.choices, default=rules.LinkState.INVITED
    )
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    unbound_at = models.DateTimeField(null=True, blank=True)
    unbound_by = models.CharField(max_length=12, blank=True)  # "store" or "account"

    ACCOUNT_FIELDS: dict[str, str] = {
        rules.LinkKind.OFFICIAL_ACCOUNT: "official_account",
        rules.LinkKind.VIDEO_ACCOUNT: "video_account",
        rules.LinkKind.MINI_PROGRAM: "mini_program",
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("关联账号")
        verbose_name_plural = pgettext_lazy("plural", "关联账号")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=rules.LinkKind.values), name="link_kind_known"),
            models.CheckConstraint(condition=Q(state__in=rules.LinkState.values), name="link_state_known"),
            # exactly the account of its kind is set
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="official_account",
                        official_account__isnull=False,
                        video_account__isnull=True,
                        mini_program__isnull=True,
                    )
                    | Q(
                        kind="video_account",
                        official_account__isnull=True,
                        video_account__isnull=False,
                        mini_program__isnull=True,
                    )
                    | Q(
                        kind="mini_program",
                        official_account__isnull=True,
                        video_account__isnull=True,
                        mini_program__isnull=False,
                    )
                ),
                name="link_account_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["store", "official_account"], condition=_LIVE_LINK, name="one_live_official_link"
            ),
            models.UniqueConstraint(
                fields=["store", "video_account"], condition=_LIVE_LINK, name="one_live_video_link"
            ),
            models.UniqueConstraint(
                fields=["store", "mini_program"], condition=_LIVE_LINK, name="one_live_program_link"
            ),
        ]
        indexes = [models.Index(fields=["store", "kind", "state"])]

    def __str__(self) -> str:
        return f"{self.store} ↔ {self.account} ({self.state})"

    @property
    def shown_state(self) -> str:
        """The state as of now: an invitation past its deadline is expired even before the
        scheduled task marks it."""
        if self.state == rules.LinkState.INVITED and self.expires_at <= clock.now():
            return rules.LinkState.EXPIRED
        return self.state

    def get_shown_state_display(self) -> str:
        return rules.LinkState(self.shown_state).label

    @property
    def account(self) -> OfficialAccount | VideoAccount | MiniProgram:
        return getattr(self, self.ACCOUNT_FIELDS[self.kind])

    @property
    def account_id(self) -> int:
        return getattr(self, f"{self.ACCOUNT_FIELDS[self.kind]}_id")


class Homepage(models.Model):
    """The store's homepage: the modules being edited (`draft`) and the ones the public page shows
    (`published`), each a list of module dicts (see `homepage.py` for their shapes)."""

    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="homepage")
    draft = models.JSONField(default=list, blank=True)
    published = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=0)  # how many times it was published
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("店铺首页")
        verbose_name_plural = pgettext_lazy("plural", "店铺首页")

    def __str__(self) -> str:
        return f"{self.store} · v{self.version}"
