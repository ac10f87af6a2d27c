"""The double-entry ledger: accounts, journals and their entries, and what the ledger remembers of
each paid order's money (its lines' fees and refunds, whether it settled).

The database holds the rules (migration 0002's triggers, per vendor): a journal is inserted open,
takes its entries, then is sealed by an UPDATE that checks they sum to zero; a sealed journal takes
no more entries and never changes; entries are never updated or deleted. On PostgreSQL a deferred
constraint trigger also refuses to commit a journal left open."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.models import User
from xiaodian.stores.models import Store

from .rules import AccountKind, ClaimKind, Source


class Account(models.Model):
    """A platform account (no store) or one of a store's. `balance_fen` is the sum of its entries,
    kept in the transaction that posts them (a conditional UPDATE); `selectors.check_balances`
    proves it."""

    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # a promoter's accounts (the alliance's creators, agencies and sharers): a user, no store
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    balance_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "store"], condition=Q(store__isnull=False), name="ledger_one_account_per_kind"
            ),
            models.UniqueConstraint(
                fields=["kind", "user"],
                condition=Q(user__isnull=False),
                name="ledger_one_promoter_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(store__isnull=True, user__isnull=True),
                name="ledger_one_platform_account_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(store__isnull=True) | Q(user__isnull=True), name="ledger_one_owner"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[AccountKind.AVAILABLE, AccountKind.PROMOTER_AVAILABLE])
                | Q(balance_fen__gte=0),
                name="ledger_available_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_known"
            ),
        ]

    def __str__(self) -> str:
        owner = (
            f"store {self.store_id}"
            if self.store_id
            else f"user {self.user_id}"
            if self.user_id
            else "platform"
        )
        return f"{self.kind}:{owner}"


class Journal(models.Model):
    """One movement of money. Unique by its source, so an event posted twice posts once."""

    source_type = models.CharField(max_length=20, choices=Source.choices)
    source_key = models.CharField(max_length=64)
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    memo = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    sealed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_key"], name="ledger_journal_source_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_type}:{self.source_key}"


class Entry(models.Model):
    """One leg of a journal: a signed amount on an account (positive: the account's balance grows)."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"]), models.Index(fields=["account", "created_at"])]
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount_fen:+d} {self.account}"


class FeeSchedule(models.Model):
    """One version of the technical service fee rates. Rows are never edited: a change is the next
    version; a paid order keeps the version (and rate) it was charged under."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    default_ppm = models.PositiveIntegerField(_("默认费率（百万分之）"))
    # {category id: rate in ppm}; a category without one takes its parent's, then the default
    rates = models.JSONField(_("类目费率"), default=dict)
    note = models.CharField(_("变更说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class OrderMoney(models.Model):
    """A paid order's money as the ledger posted it. `pending_fen` is what of it the store's pending
    account still holds (paid − fee − refunds + fees given back), until it settles."""

    order_id = models.BigIntegerField(unique=True)
    # no index of its own: (store, settled_at) serves the store's rows (one index fewer to write
    # when the order settles)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", db_index=False)
    paid_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    fee_returned_fen = models.BigIntegerField(default=0)
    pending_fen = models.BigIntegerField()
    fee_version = models.PositiveIntegerField(null=True, blank=True)
    paid_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_fen = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["store", "settled_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(pending_fen__gte=0), name="ledger_order_pending_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("paid_fen")), name="ledger_order_refunds_within_paid"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id}"


class LineMoney(models.Model):
    """One order line's share of the paid total and of the fee (rate fixed at payment), what went
    back of it, and when its after-sale period ended."""

    order = models.ForeignKey(OrderMoney, on_delete=models.PROTECT, related_name="lines")
    line_id = models.BigIntegerField(unique=True)
    category_id = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    fee_rate_ppm = models.PositiveIntegerField()
    fee_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    fee_returned_fen = models.BigIntegerField(default=0)
    period_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line_id"]
        # the settlement's "every line of the order ended" probes this: only open lines are in it
        indexes = [
            models.Index(fields=["order"], condition=Q(period_ended_at__isnull=True), name="ledger_line_open")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("paid_fen")), name="ledger_line_refunds_within_paid"
            ),
            models.CheckConstraint(
                condition=Q(fee_returned_fen__lte=models.F("fee_fen")), name="ledger_line_fee_back_within_fee"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id}"


class LineCommission(models.Model):
    """What a promoter earns on one order line (an alliance commission order, or an agency's
    service fee), as the ledger holds it: claimed at payment (extensions.commissions), in the
    promoter's pending until the line's after-sale period ends (`settled_at`), lowered in
    proportion by refunds (`returned_fen`: from pending before it settled, clawed back from
    available after). `settled_fen` is what its settlement moved out of pending (0 when refunds
    had cancelled it first): the claim is settled (WeChat's 100) when it is above 0, whether its
    settlement was a journal of its own (`settle_claims`) or a batch's (`settle_claims_due`)."""

    line = models.ForeignKey(LineMoney, on_delete=models.PROTECT, related_name="commissions")
    promoter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ClaimKind.choices)
    reference = models.CharField(max_length=64, unique=True)
    ratio_ppm = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField()  # at payment: the line's paid share × ratio, rounded down
    returned_fen = models.BigIntegerField(default=0)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_fen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        # no index holds settled_at or settled_fen: settling a claim is a HOT update (0008)
        indexes = [models.Index(fields=["promoter", "-id"], name="ledger_claim_by_promoter")]
        constraints = [
            models.UniqueConstraint(fields=["line", "promoter", "kind"], name="ledger_one_claim_per_line"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0)
                & Q(returned_fen__gte=0)
                & Q(returned_fen__lte=models.F("amount_fen")),
                name="ledger_claim_returns_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def held_fen(self) -> int:
        return self.amount_fen - self.returned_fen


class WithdrawalState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    PROCESSING = "processing", _("转账中")
    SUCCEEDED = "succeeded", _("已到账")
    FAILED = "failed", _("已退回")


class Withdrawal(models.Model):
    """A store's (or a promoter's) withdrawal from its available balance: the money sits in the
    owner's `withdrawing` account from the request until the transfer (by `out_bill_no`) succeeds (→ the
    platform's withdrawals_out) or fails (→ back to available)."""

    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    promoter = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField()
    out_bill_no = models.CharField(max_length=32, unique=True)
    state = models.CharField(
        max_length=12, choices=WithdrawalState.choices, default=WithdrawalState.REQUESTED
    )
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    fail_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["store", "requested_at"]),
            models.Index(fields=["promoter", "requested_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="ledger_withdrawal_positive"),
            models.CheckConstraint(
                condition=Q(store__isnull=True, promoter__isnull=False)
                | Q(store__isnull=False, promoter__isnull=True),
                name="ledger_withdrawal_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.out_bill_no
