"""The sandbox identity, the settings that fall back to it, the in-process transport, the admin."""

import stat

import pytest
from django.urls import reverse
from django.utils import translation

from xiaodian.payments import services, transport
from xiaodian.payments.config import IN_PROCESS_ORIGIN, current
from xiaodian.payments.models import (
    NotificationLog,
    NotificationReceipt,
    Payment,
    Refund,
    SandboxRefund,
    SandboxTransaction,
)
from xiaodian.payments.sandbox import identity
from xiaodian.payments.testing import pay_in_sandbox


def test_the_sandbox_identity_is_generated_once_with_private_keys_kept_private(tmp_path):
    directory = tmp_path / "wechatpay"
    first = identity.load(directory)
    for name in (
        "apiclient_key.pem",
        "apiclient_pub.pem",
        "platform_key.pem",
        "pub_key.pem",
        "identity.json",
    ):
        assert (directory / name).exists()
    assert stat.S_IMODE((directory / "apiclient_key.pem").stat().st_mode) == 0o600
    assert len(first.apiv3_key) == 32 and first.mchid.isdigit() and first.appid.startswith("wx")
    identity.load.cache_clear()
    assert identity.load(directory) == first  # read back, not generated again


def test_empty_settings_fall_back_to_the_sandbox_in_process(settings, wechatpay_dir):
    config = current()
    me = identity.load(wechatpay_dir)
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
@pytest.mark.parametrize(
    "model", [Payment, Refund, NotificationReceipt, NotificationLog, SandboxTransaction, SandboxRefund]
)
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
