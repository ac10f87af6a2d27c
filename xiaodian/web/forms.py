"""The site's forms: they parse what people type; the rules live in the services.

A service refuses with a DomainError naming the input it objects to (`exc.field`, in the
service's words); `add_domain_error` shows the message next to that field, or at the top of
the form when the form has no such field.
"""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts import rules as account_rules
from xiaodian.accounts.rules import Role, SubjectKind
from xiaodian.core.errors import DomainError
from xiaodian.stores import rules as store_rules
from xiaodian.stores.rules import LinkKind, StoreKind


class DomainForm(forms.Form):
    """A form that can show a service's refusal in place."""

    # service field name -> form field name, where they differ
    field_aliases: dict[str, str] = {}
    # error code -> form field, for refusals that name no field but clearly concern one
    code_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        name = self.field_aliases.get(exc.field, exc.field) if exc.field else self.code_fields.get(exc.code)
        self.add_error(name if name in self.fields else None, exc.message)


def _category_choices(tree) -> list[tuple[int, str]]:
    """The category tree as indented options (one query: the tree is already loaded)."""
    return [(c.pk, "\u3000" * depth + c.name) for depth, c in tree.flat()]


class SignupForm(DomainForm):
    username = forms.CharField(label=_("用户名"), max_length=account_rules.USERNAME_MAX)
    display_name = forms.CharField(label=_("昵称"), max_length=account_rules.DISPLAY_NAME_MAX, required=False)
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("再次输入密码"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return data


class ProfileForm(DomainForm):
    display_name = forms.CharField(label=_("昵称"), max_length=account_rules.DISPLAY_NAME_MAX, required=False)
    # A plain file field: the service decides what a valid image is and says why it is not.
    avatar = forms.FileField(
        label=_("头像"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )


class TokenForm(DomainForm):
    name = forms.CharField(label=_("令牌名称"), max_length=account_rules.TOKEN_NAME_MAX)


class SubjectForm(DomainForm):
    kind = forms.ChoiceField(label=_("主体类型"), choices=SubjectKind.choices)
    name = forms.CharField(label=_("主体名称"), max_length=account_rules.SUBJECT_NAME_MAX)
    licence_number = forms.CharField(
        label=_("证照号码"),
        max_length=account_rules.LICENCE_NUMBER_INPUT_MAX,
        help_text=_("企业、个体工商户填 18 位统一社会信用代码；个人填 18 位身份证号。"),
    )
    trade_name = forms.CharField(
        label=_("字号"),
        max_length=account_rules.TRADE_NAME_MAX,
        required=False,
        help_text=_("选填；专卖店、专营店的名称会用到。"),
    )


class BrandAuthorizationForm(DomainForm):
    brand = forms.CharField(label=_("品牌"), max_length=store_rules.BRAND_MAX)
    certificate_number = forms.CharField(
        label=_("商标注册号/授权书编号"), max_length=store_rules.CERTIFICATE_NUMBER_MAX
    )


class StoreCreateForm(DomainForm):
    subject_id = forms.TypedChoiceField(label=_("经营主体"), coerce=int)
    name = forms.CharField(
        label=_("店铺名称"),
        max_length=store_rules.NAME_INPUT_MAX,
        help_text=format_lazy(
            _("{min}–{max} 个字符，全平台唯一。"), min=store_rules.NAME_MIN, max=store_rules.NAME_MAX
        ),
    )
    main_category_id = forms.TypedChoiceField(label=_("主营类目"), coerce=int)
    kind = forms.ChoiceField(label=_("店铺类型"), choices=StoreKind.choices, initial=StoreKind.ORDINARY)

    field_aliases = {"category_id": "main_category_id"}
    code_fields = {"store_limit_reached": "subject_id"}

    def __init__(self, *args, subjects, tree, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_id"].choices = [
            (s.pk, f"{s.name} · {s.get_verification_display()}") for s in subjects
        ]
        self.fields["main_category_id"].choices = _category_choices(tree)


class StoreSettingsForm(DomainForm):
    name = forms.CharField(label=_("店铺名称"), max_length=store_rules.NAME_INPUT_MAX)
    description = forms.CharField(
        label=_("店铺简介"),
        max_length=store_rules.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    main_category_id = forms.TypedChoiceField(label=_("主营类目"), coerce=int)

    field_aliases = {"category_id": "main_category_id"}

    def __init__(self, *args, tree, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main_category_id"].choices = _category_choices(tree)


class DepositForm(DomainForm):
    category_id = forms.IntegerField(widget=forms.HiddenInput)


class CloseStoreForm(DomainForm):
    confirm = forms.BooleanField(
        label=_("我确认关闭此店铺；已缴纳的保证金将原路退还，关闭后不能重新开业。"),
        error_messages={"required": _("请勾选确认后再关闭店铺。")},
    )


class StaffAddForm(DomainForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"))

    field_aliases = {"user_id": "username"}
    code_fields = {"staff_exists": "username", "permission_denied": "role"}

    def __init__(self, *args, grantable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in grantable]


class LinkInviteForm(DomainForm):
    kind = forms.ChoiceField(label=_("账号类型"), choices=LinkKind.choices)
    account = forms.CharField(
        label=_("账号"), max_length=60, help_text=_("公众号或视频号填名称，小程序填 AppID")
    )

    field_aliases = {"account_id": "account"}
    code_fields = {"link_exists": "account", "link_limit_reached": "kind"}
