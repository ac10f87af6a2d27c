"""The sandbox's identity, its registration with payments, its admin, and the move of its tables
out of payments (migrations 0001–0002 here, payments 0006)."""

import stat

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xiaodian.payments import services, stand_in
from xiaodian.wechatpay_sandbox import identity
from xiaodian.wechatpay_sandbox.models import SandboxRefund, SandboxTransaction
from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox


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


def test_the_sandbox_registers_itself_with_payments_as_the_stand_in_for_wechat_pay(wechatpay_dir):
    registered = stand_in.registered()
    assert registered is not None and registered.name == "wechatpay_sandbox"
    assert registered.identity(wechatpay_dir) == identity.load(wechatpay_dir)


@pytest.mark.django_db
@pytest.mark.parametrize("model", [SandboxTransaction, SandboxRefund])
def test_the_admin_shows_the_sandbox_records_read_only(client, make_user, model):
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


# ------------------------------------------------------------------------------- the move from payments

BEFORE = [("payments", "0005_refund_constraints"), ("wechatpay_sandbox", None)]
OLD_TASK = "xiaodian.payments.tasks.deliver_sandbox_notification"


def _migrate(targets):
    """Migrate to `targets`; answers the models as they stand there (every other app at its leaf)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    moved = {app for app, _ in BEFORE}
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved]
    return executor.loader.project_state(others + [t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_migrated_before_the_move_keeps_its_sandbox_rows_permissions_and_queued_retries():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)  # the schema as the code before the move left it
    try:
        assert "payments_sandboxtransaction" in connection.introspection.table_names()
        OldTrade = old.get_model("payments", "SandboxTransaction")
        OldRefund = old.get_model("payments", "SandboxRefund")
        ContentType = old.get_model("contenttypes", "ContentType")
        Permission = old.get_model("auth", "Permission")
        OldGroup = old.get_model("auth", "Group")
        Task = old.get_model("django_tasks_database", "DBTaskResult")
        now = timezone.now()
        trade = OldTrade.objects.create(
            mchid="1900000109",
            appid="wx1",
            out_trade_no="T20261122MOVE0001",
            trade_type="NATIVE",
            prepay_id="wxMOVE",
            transaction_id="4200MOVE",
            description="搬家",
            amount_total=500,
            notify_url="http://in-process.invalid/api/v1/payments/wechatpay/notify",
            trade_state="REFUND",
            created_at=now,
            success_time=now,
            notification_id="n-1",
        )
        OldRefund.objects.create(
            trade=trade, out_refund_no="R1", refund_id="50MOVE", amount_refund=200, created_at=now
        )
        # the content type as the old code had it (going back moved this app's back to payments)
        assert not ContentType.objects.filter(app_label="wechatpay_sandbox").exists()
        kind, _ = ContentType.objects.get_or_create(app_label="payments", model="sandboxtransaction")
        view, _ = Permission.objects.get_or_create(
            content_type=kind, codename="view_sandboxtransaction", defaults={"name": "view"}
        )
        OldGroup.objects.create(name="sandbox viewers").permissions.add(view)
        Task.objects.create(
            task_path=OLD_TASK,
            args_kwargs={"args": [trade.pk, 1], "kwargs": {}},
            priority=0,
            queue_name="default",
            backend_name="default",
            run_after=now,
            status="READY",
        )
    finally:
        _migrate(leaves)

    assert "payments_sandboxtransaction" not in connection.introspection.table_names()
    moved = SandboxTransaction.objects.get(out_trade_no="T20261122MOVE0001")
    assert (moved.amount_total, moved.trade_state, moved.refunds.get().amount_refund) == (500, "REFUND", 200)
    granted = Group.objects.get(name="sandbox viewers").permissions.get()
    assert (granted.content_type.app_label, granted.content_type.model_class()) == (
        "wechatpay_sandbox",
        SandboxTransaction,
    )
    assert (
        DBTaskResult.objects.get().task_path
        == "xiaodian.wechatpay_sandbox.tasks.deliver_sandbox_notification"
    )
    assert DBTaskResult.objects.get().task.name == "deliver_sandbox_notification"  # it imports again
