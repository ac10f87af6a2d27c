from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import UPGRADE_MODES


class UpgradeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("升级为"), choices=[(m.value, m.label) for m in UPGRADE_MODES], widget=forms.RadioSelect
    )
    webhook_url = forms.CharField(
        label=_("消息推送地址（自建客服）"), max_length=200, required=False, widget=forms.URLInput
    )
