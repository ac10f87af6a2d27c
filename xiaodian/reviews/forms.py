"""The reviews pages' forms: they parse what people type; the rules live in the services, whose
refusals are put next to the field they name (`text`, `rating`, `images.N` → the images field)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xiaodian.catalog import rules as catalog_rules
from xiaodian.core.errors import DomainError

from . import rules

IMAGE_TYPES = "image/png,image/jpeg,image/gif,image/webp"


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by the service (catalog's image rules)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": IMAGE_TYPES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, (list, tuple)):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


def _images_help():
    return format_lazy(
        _("最多 {n} 张，PNG、JPEG、GIF 或 WebP，每张不超过 {mb} MB。"),
        n=rules.IMAGES_MAX,
        mb=catalog_rules.IMAGE_MAX_BYTES // 2**20,
    )


def _text_widget(placeholder) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 4, "maxlength": rules.TEXT_MAX, "placeholder": placeholder})


class ReviewsForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        field = (exc.field or "").split(".")[0]
        self.add_error(field if field in self.fields else None, exc.message)


class ReviewForm(ReviewsForm):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(r, rules.RATING_LABELS[r]) for r in rules.RATINGS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评分。")},
    )
    text = forms.CharField(
        label=_("评价内容"),
        max_length=rules.TEXT_MAX,
        required=False,
        widget=_text_widget(_("说说这件商品怎么样（选填）")),
    )
    images = MultipleImageField(label=_("图片"), help_text=_images_help())


class FollowUpForm(ReviewsForm):
    text = forms.CharField(
        label=_("追评内容"), max_length=rules.TEXT_MAX, widget=_text_widget(_("用了一段时间，再说说感受"))
    )
    images = MultipleImageField(label=_("图片"), help_text=_images_help())


class ReplyForm(ReviewsForm):
    text = forms.CharField(
        label=_("回复内容"), max_length=rules.TEXT_MAX, widget=_text_widget(_("回复这位买家"))
    )
