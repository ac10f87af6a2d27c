"""The homepage editor's forms, one per module type. They parse what the merchant picked and
build the module dict (homepage.py); the rules live in the services, whose refusals are put next
to the field they name (`modules.<i>.<field>` → `<field>`)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.money import format_fen

from . import homepage, rules

TYPE_LABELS = {
    "banner": _("横幅"),
    "product_grid": _("商品宫格"),
    "articles": _("公众号文章"),
    "videos": _("短视频"),
    "mini_program": _("小程序卡片"),
}


def _ids(values) -> list[int]:
    return [int(v) for v in values]


class ModuleForm(forms.Form):
    """A module's form; `choices` is what the editor offers (homepage.Choices)."""

    type: str = ""

    def __init__(self, *args, choices: homepage.Choices, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.offer(choices)

    def offer(self, choices: homepage.Choices) -> None:
        """Fill the pickers' choices."""

    def add_domain_error(self, exc: DomainError) -> None:
        name = (exc.field or "").rsplit(".", 1)[-1]
        self.add_error(name if name in self.fields else None, exc.message)

    def module(self) -> dict:
        """The module the cleaned data describes."""
        raise NotImplementedError

    @classmethod
    def initial_of(cls, module: dict) -> dict:
        """A saved module as this form's initial data."""
        return {k: v for k, v in module.items() if k != "type"}

    @property
    def label(self) -> str:
        return TYPE_LABELS[self.type]


def _product_choices(choices: homepage.Choices) -> list[tuple[str, str]]:
    return [
        (str(p.id), f"{p.title} · {format_fen(p.price_fen)}" if p.price_fen is not None else p.title)
        for p in choices.products
    ]


class BannerForm(ModuleForm):
    type = "banner"
    image = forms.FileField(
        label=_("横幅图片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text=format_lazy(
            _("PNG、JPEG、GIF 或 WebP，不超过 {mb} MB；修改时不选则保留原图。"),
            mb=rules.BANNER_MAX_BYTES // 2**20,
        ),
    )
    title = forms.CharField(label=_("标题（选填）"), max_length=rules.HOMEPAGE_TITLE_MAX, required=False)
    product_id = forms.ChoiceField(label=_("点击后打开的商品（选填）"), required=False)

    def offer(self, choices):
        self.fields["product_id"].choices = [("", _("不链接商品")), *_product_choices(choices)]

    def module(self, *, image: str) -> dict:
        data = self.cleaned_data
        return {
            "type": self.type,
            "image": image,
            "title": data["title"],
            "product_id": int(data["product_id"]) if data["product_id"] else None,
        }

    @classmethod
    def initial_of(cls, module):
        return {"title": module.get("title", ""), "product_id": module.get("product_id") or ""}


class ProductGridForm(ModuleForm):
    type = "product_grid"
    title = forms.CharField(label=_("标题（选填）"), max_length=rules.HOMEPAGE_TITLE_MAX, required=False)
    mode = forms.ChoiceField(
        label=_("商品"),
        choices=[("chosen", _("指定商品")), ("auto", _("自动展示最新上架的商品"))],
        widget=forms.RadioSelect,
        initial="chosen",
    )
    product_ids = forms.MultipleChoiceField(
        label=_("指定商品"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=format_lazy(_("最多 {n} 件，按列表顺序展示。"), n=rules.GRID_PRODUCTS_MAX),
    )
    limit = forms.IntegerField(
        label=_("自动展示的数量"),
        min_value=1,
        max_value=rules.GRID_PRODUCTS_MAX,
        initial=rules.GRID_AUTO_LIMIT,
        required=False,
    )

    def offer(self, choices):
        self.fields["product_ids"].choices = _product_choices(choices)

    def module(self) -> dict:
        data = self.cleaned_data
        return {
            "type": self.type,
            "title": data["title"],
            "mode": data["mode"],
            "product_ids": _ids(data["product_ids"]) if data["mode"] == "chosen" else [],
            "limit": data["limit"] or rules.GRID_AUTO_LIMIT,
        }


class ArticlesForm(ModuleForm):
    type = "articles"
    title = forms.CharField(label=_("标题（选填）"), max_length=rules.HOMEPAGE_TITLE_MAX, required=False)
    article_ids = forms.MultipleChoiceField(
        label=_("文章"),
        widget=forms.CheckboxSelectMultiple,
        help_text=format_lazy(_("已关联公众号的已发布文章，最多 {n} 篇。"), n=rules.ARTICLES_MAX),
    )

    def offer(self, choices):
        self.fields["article_ids"].choices = [
            (str(a.id), f"{a.title} · {a.account_name}") for a in choices.articles
        ]

    def module(self) -> dict:
        data = self.cleaned_data
        return {"type": self.type, "title": data["title"], "article_ids": _ids(data["article_ids"])}


class VideosForm(ModuleForm):
    type = "videos"
    title = forms.CharField(label=_("标题（选填）"), max_length=rules.HOMEPAGE_TITLE_MAX, required=False)
    video_ids = forms.MultipleChoiceField(
        label=_("短视频"),
        widget=forms.CheckboxSelectMultiple,
        help_text=format_lazy(_("已关联视频号的已发布短视频，最多 {n} 条。"), n=rules.VIDEOS_MAX),
    )

    def offer(self, choices):
        self.fields["video_ids"].choices = [
            (str(v.id), f"{v.title} · {v.account_name}") for v in choices.videos
        ]

    def module(self) -> dict:
        data = self.cleaned_data
        return {"type": self.type, "title": data["title"], "video_ids": _ids(data["video_ids"])}


class MiniProgramForm(ModuleForm):
    type = "mini_program"
    mini_program_id = forms.ChoiceField(label=_("小程序"), help_text=_("已关联到本店的小程序。"))

    def offer(self, choices):
        self.fields["mini_program_id"].choices = [
            (str(p.id), f"{p.name} ({p.app_id})") for p in choices.mini_programs
        ]

    def module(self) -> dict:
        return {"type": self.type, "mini_program_id": int(self.cleaned_data["mini_program_id"])}


FORMS: dict[str, type[ModuleForm]] = {
    form.type: form for form in (BannerForm, ProductGridForm, ArticlesForm, VideosForm, MiniProgramForm)
}
