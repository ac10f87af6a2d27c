import pytest

from xiaodian.payments.models import Payment
from xiaodian.payments.signals import payment_succeeded


@pytest.fixture(scope="session")
def wechatpay_dir(tmp_path_factory):
    """One sandbox identity (two RSA key pairs) for the whole session, in a temporary directory."""
    return tmp_path_factory.mktemp("wechatpay") / "sandbox"


@pytest.fixture(autouse=True)
def _sandbox_identity(settings, wechatpay_dir):
    settings.WECHATPAY = {**settings.WECHATPAY, "SANDBOX_DIR": wechatpay_dir}


@pytest.fixture
def succeeded():
    """The payments `payment_succeeded` was sent for, in order: what the merchant side made of
    the sandbox's notifications."""
    seen: list[Payment] = []

    def receiver(sender, payment, **kwargs):
        seen.append(payment)

    payment_succeeded.connect(receiver, dispatch_uid="wechatpay-sandbox-tests")
    yield seen
    payment_succeeded.disconnect(dispatch_uid="wechatpay-sandbox-tests")
