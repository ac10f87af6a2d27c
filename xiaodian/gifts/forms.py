"""The gift pages' forms: send (to a friend or as a group gift), and accept (an address, as at
checkout, and the style)."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.orders.forms import CheckoutForm, OrdersForm

from . import rules
from .rules import SentFrom


class SendForm(OrdersForm):
    SINGLE, GROUP = "single", "group"

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    sku_id = forms.TypedChoiceField(label=_("款式"), coerce=int, widget=forms.RadioSelect)
    mode = forms.ChoiceField(
        label=_("送给"),
        choices=[(SINGLE, _("一位好友")), (GROUP, _("群礼物（群成员抽取）"))],
        widget=forms.RadioSelect,
        initial=SINGLE,
    )
    recipient_id = forms.TypedChoiceField(label=_("好友"), coerce=int, required=False)
    group_id = forms.TypedChoiceField(label=_("发到群聊"), coerce=int, required=False)
    member_ids = forms.TypedMultipleChoiceField(
        label=_("可抽取的成员"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    count = forms.IntegerField(label=_("份数"), min_value=1, max_value=rules.GROUP_GIFTS_MAX, initial=1)
    message = forms.CharField(
        label=_("留言"),
        max_length=rules.MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("选填：想对 TA 说的话")}),
    )
    sent_from = forms.TypedChoiceField(
        label=_("发送到"), coerce=int, choices=SentFrom.choices, initial=SentFrom.CHAT
    )

    field_aliases = {
        "sku_id": "sku_id",
        "recipient_id": "recipient_id",
        "conversation_id": "group_id",
        "member_ids": "member_ids",
    }

    def __init__(self, *args, skus: list[tuple[int, str]], contacts, groups, group_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku_id"].choices = skus
        people = [(user.pk, str(user)) for user in contacts]
        self.fields["recipient_id"].choices = [("", "—"), *people]
        self.fields["group_id"].choices = [("", "—"), *((group.pk, str(group)) for group in groups)]
        self.fields["member_ids"].choices = people
        if not self.is_bound:
            self.initial["key"] = secrets.token_hex(8)
            if skus:
                self.initial["sku_id"] = skus[0][0]
            if group_id is not None:  # sent from a group's page: a group gift into that group
                self.initial.update(mode=self.GROUP, group_id=group_id, sent_from=SentFrom.GROUP_CHAT)

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.SINGLE and not data.get("recipient_id"):
            self.add_error("recipient_id", _("请选择一位好友。"))
        if data.get("mode") == self.GROUP:
            if data.get("group_id"):  # into a group: its members draw, sent from the group chat
                data["sent_from"] = SentFrom.GROUP_CHAT
            elif data.get("sent_from") in (SentFrom.CHAT, SentFrom.GROUP_CHAT):
                self.add_error("group_id", _("请选择一个群：群成员在抽取时可抽取。"))
            elif not data.get("member_ids"):
                self.add_error("member_ids", _("请选择可抽取的成员。"))
        return data


class AcceptForm(CheckoutForm):
    """The checkout's address choice, and the style to receive."""

    sku_id = forms.TypedChoiceField(label=_("款式"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, addresses, styles: list[tuple[int, str]], **kwargs):
        super().__init__(*args, addresses=addresses, **kwargs)
        del self.fields["key"], self.fields["note"]
        self.fields["sku_id"].choices = styles
        self.field_aliases = {**self.field_aliases, "sku_id": "sku_id"}
        if not self.is_bound and styles:
            self.initial["sku_id"] = styles[0][0]
