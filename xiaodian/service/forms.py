"""The customer-service pages' forms: they parse what people type; the rules live in the services,
whose refusals are put next to the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core.forms import DomainErrorForm
from xiaodian.core.pagination import MAX_ID

from . import rules
from .rules import Mode, Presence


class ContactForm(forms.Form):
    """The 联系客服 button of a product, order or store page: the store, and what to send as a card."""

    store_id = forms.IntegerField(min_value=1, max_value=MAX_ID)
    product_id = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    order_id = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class MessageForm(DomainErrorForm):
    """The composer without scripts; its client id (made when the page is drawn) makes a second
    click of the same form harmless."""

    text = forms.CharField(
        label=_("消息"),
        max_length=rules.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("输入消息…")}),
    )
    client_id = forms.CharField(max_length=rules.CLIENT_ID_MAX, required=False, widget=forms.HiddenInput)


class RatingForm(DomainErrorForm):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(n, n) for n in range(rules.RATING_MAX, rules.RATING_MIN - 1, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价（可选）"),
        max_length=rules.RATING_COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PresenceForm(DomainErrorForm):
    status = forms.ChoiceField(choices=Presence.choices)


class TransferForm(DomainErrorForm):
    to_user_id = forms.TypedChoiceField(label=_("转接给"), coerce=int)

    def __init__(self, *args, agents: list[dict], current_agent_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user_id"].choices = [
            (a["user_id"], f"{a['name']} · {Presence(a['status']).label} · {a['open_sessions']}")
            for a in agents
            if a["user_id"] != current_agent_id
        ]


class SettingsForm(DomainErrorForm):
    welcome_message = forms.CharField(
        label=_("欢迎语"),
        max_length=rules.SETTINGS_MESSAGE_MAX,
        required=False,
        help_text=_("买家发起咨询时自动发送，标为“自动回复”。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    offline_message = forms.CharField(
        label=_("离线留言提示"),
        max_length=rules.SETTINGS_MESSAGE_MAX,
        required=False,
        help_text=_("非服务时间或没有客服在线时，每个会话自动发送一次。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    opens_at = forms.TimeField(
        label=_("服务开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes_at = forms.TimeField(
        label=_("服务结束时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    max_sessions = forms.IntegerField(
        label=_("每位客服同时接待上限"), min_value=1, max_value=rules.MAX_SESSIONS_LIMIT
    )


class ModeForm(DomainErrorForm):
    mode = forms.ChoiceField(
        label=_("客服模式"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        help_text=_("只有店主可以切换。切换后，原模式下进行中的会话将结束，聊天记录不会带到新模式。"),
    )
    webhook_url = forms.URLField(
        label=_("消息推送地址"),
        required=False,
        max_length=rules.WEBHOOK_URL_MAX,
        assume_scheme="https",
        help_text=_("自建客服系统接收买家消息的 HTTPS 地址。"),
    )


class AutoReplyForm(DomainErrorForm):
    keyword = forms.CharField(label=_("关键词"), max_length=rules.KEYWORD_MAX)
    reply = forms.CharField(
        label=_("自动回复"), max_length=rules.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuickReplyForm(DomainErrorForm):
    text = forms.CharField(label=_("快捷回复"), max_length=rules.TEXT_MAX)
