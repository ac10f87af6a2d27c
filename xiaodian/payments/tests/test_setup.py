"""The settings and what fills their gaps (the registered stand-in for WeChat Pay), the in-process
transport, the admin."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation

from xiaodian.payments import services, stand_in, transport
from xiaodian.payments.config import IN_PROCESS_ORIGIN, current
from xiaodian.payments.models import NotificationLog, NotificationReceipt, Payment, Refund
from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox


def test_empty_settings_fall_back_to_the_registered_stand_in_in_process(settings, wechatpay_dir):
    config = current()
    me = stand_in.registered().identity(wechatpay_dir)
    assert (config.mchid, config.appid, config.public_key_id) == (me.mchid, me.appid, me.public_key_id)
    assert config.in_process and config.base_url == IN_PROCESS_ORIGIN + "/sandbox/wechatpay"
    assert config.notify_url == IN_PROCESS_ORIGIN + "/api/v1/payments/wechatpay/notify"
    settings.WECHATPAY = {
        **settings.WECHATPAY,
        "MCHID": "1900000109",
        "BASE_URL": "https://api.mch.weixin.qq.com/",
        "NOTIFY_URL": "https://shop.example/api/v1/payments/wechatpay/notify",
    }
    config = current()
    assert config.mchid == "1900000109" and not config.in_process and not config.uses_sandbox
    assert config.base_url == "https://api.mch.weixin.qq.com"


def test_with_no_stand_in_installed_the_settings_must_name_everything(settings, wechatpay_dir, monkeypatch):
    issued = stand_in.registered().identity(wechatpay_dir)  # real key files to point the settings at
    monkeypatch.setattr(stand_in, "_registered", None)
    settings.WECHATPAY = {**settings.WECHATPAY, "MCHID": "1900000109", "BASE_URL": ""}
    with pytest.raises(ImproperlyConfigured) as refused:
        current()
    assert "XIAODIAN_WECHATPAY_APPID" in str(refused.value) and "XIAODIAN_WECHATPAY_BASE_URL" in str(
        refused.value
    )
    assert "XIAODIAN_WECHATPAY_MCHID" not in str(refused.value)

    settings.WECHATPAY = {
        **settings.WECHATPAY,
        "APPID": "wx0000000000000000",
        "PRIVATE_KEY_PATH": str(issued.merchant_private_key_path),
        "CERT_SERIAL_NO": "SERIAL",
        "APIV3_KEY": "k" * 32,
        "PUBLIC_KEY_PATH": str(issued.platform_public_key_path),
        "PUBLIC_KEY_ID": "PUB_KEY_ID_1",
        "BASE_URL": "https://api.mch.weixin.qq.com",
    }
    config = current()
    assert (config.mchid, config.apiv3_key, config.in_process) == ("1900000109", "k" * 32, False)


@pytest.mark.django_db
def test_an_in_process_call_leaves_the_callers_language_alone():
    with translation.override("en"):
        services.create_payment(purpose="checkout", reference_id=1, amount_fen=1, description="订单")
        assert translation.get_language() == "en"


def test_the_in_process_host_is_one_this_site_accepts(settings):
    settings.ALLOWED_HOSTS = [".shop.example"]
    assert transport._local_host() == "shop.example"
    settings.ALLOWED_HOSTS = ["*"]
    assert transport._local_host() == "localhost"


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Payment, Refund, NotificationReceipt, NotificationLog])
def test_the_admin_shows_payment_records_read_only(client, make_user, model):
    payment = services.create_payment(purpose="checkout", reference_id=1, amount_fen=100, description="订单")
    pay_in_sandbox(payment)
    services.refund_payment(payment=payment, amount_fen=100, reason="测试")
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
