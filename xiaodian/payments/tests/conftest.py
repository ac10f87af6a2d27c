import pytest
from django.test import Client

from xiaodian.payments.models import Payment
from xiaodian.payments.signals import payment_succeeded, refund_failed, refund_succeeded


@pytest.fixture(scope="session")
def wechatpay_dir(tmp_path_factory):
    """One sandbox identity (two RSA key pairs) for the whole session, in a temporary directory."""
    return tmp_path_factory.mktemp("wechatpay") / "sandbox"


@pytest.fixture(autouse=True)
def _sandbox_identity(settings, wechatpay_dir):
    settings.WECHATPAY = {**settings.WECHATPAY, "SANDBOX_DIR": wechatpay_dir}


@pytest.fixture
def succeeded():
    """The payments `payment_succeeded` was sent for, in order."""
    seen: list[Payment] = []

    def receiver(sender, payment, **kwargs):
        seen.append(payment)

    payment_succeeded.connect(receiver, dispatch_uid="payments-tests")
    yield seen
    payment_succeeded.disconnect(dispatch_uid="payments-tests")


@pytest.fixture
def refund_events():
    """The refund signals sent, in order: ("succeeded", out_refund_no) and ("failed",
    out_refund_no, final)."""
    seen: list[tuple] = []

    def on_success(sender, refund, **kwargs):
        seen.append(("succeeded", refund.out_refund_no))

    def on_failure(sender, refund, final, **kwargs):
        seen.append(("failed", refund.out_refund_no, final))

    refund_succeeded.connect(on_success, dispatch_uid="payments-tests-refund-succeeded")
    refund_failed.connect(on_failure, dispatch_uid="payments-tests-refund-failed")
    yield seen
    refund_succeeded.disconnect(dispatch_uid="payments-tests-refund-succeeded")
    refund_failed.disconnect(dispatch_uid="payments-tests-refund-failed")


@pytest.fixture
def notify(db):
    """POST a notification to the real endpoint."""
    client = Client()

    def post(headers: dict, body: bytes):
        return client.post(
            "/api/v1/payments/wechatpay/notify", data=body, content_type="application/json", headers=headers
        )

    return post
