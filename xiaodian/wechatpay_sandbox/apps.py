from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatPaySandboxConfig(AppConfig):
    name = "xiaodian.wechatpay_sandbox"
    label = "wechatpay_sandbox"
    verbose_name = _("微信支付沙箱")

    def ready(self):
        # payments never imports the sandbox; the sandbox tells payments it is here (payments.stand_in).
        from xiaodian.payments import stand_in

        from . import identity

        stand_in.register(stand_in.StandIn(name=self.label, identity=identity.load))
