"""The chat pages' forms: they parse what people type; the rules live in the services, whose
refusals are put next to the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core.forms import DomainErrorForm

from . import rules


class ComposerForm(DomainErrorForm):
    """Write without scripts: a text or a picture. The client id (made when the page is drawn)
    makes a second click of the same form harmless."""

    text = forms.CharField(
        label=_("消息"),
        max_length=rules.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("输入消息…")}),
    )
    image = forms.FileField(label=_("图片"), required=False)
    client_id = forms.CharField(max_length=rules.CLIENT_ID_MAX, required=False, widget=forms.HiddenInput)


class GroupForm(DomainErrorForm):
    title = forms.CharField(label=_("群聊名称"), max_length=rules.GROUP_TITLE_MAX)
