"""The ledger's endpoints: a store's balance, entries, bills and withdrawals, an order's money
(finance staff, admins and the owner; other staff 403, strangers 404)."""

from ninja import Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.stores.access import store_for

from . import exports, selectors, services
from .schemas import (
    BalanceOut,
    BillDate,
    BillDayOut,
    BillFilter,
    BillOut,
    BillParams,
    EntryFilter,
    EntryOut,
    MoneyOut,
    WithdrawalIn,
    WithdrawalOut,
)

router = Router(tags=["ledger"])


@router.get("/stores/{store_id}/balance", response=BalanceOut)
def store_balance(request, store_id: ObjectId):
    """Available (withdrawable), pending (until the after-sale periods end) and owed, in fen."""
    return selectors.balance(store_for(request.auth, store_id, Perm.FINANCE))


def entry_out(entry) -> dict:
    return {
        "id": entry.pk,
        "journal_id": entry.journal_id,
        "source_type": entry.journal.source_type,
        "source_key": entry.journal.source_key,
        "order_id": entry.journal.order_id,
        "account": entry.account.kind,
        "amount_fen": entry.amount_fen,
        "created_at": entry.created_at,
    }


@router.get("/stores/{store_id}/ledger", response=Page[EntryOut])
def store_ledger(request, store_id: ObjectId, filters: Query[EntryFilter], page: Query[PageParams]):
    """The store's ledger entries, newest first; `?account=` keeps one account, `?since=&until=` days."""
    store = store_for(request.auth, store_id, Perm.FINANCE)
    rows = selectors.entries(store, kind=filters.account, since=filters.since, until=filters.until)
    result = paginate(rows, page)
    result["items"] = [entry_out(e) for e in result["items"]]
    return result


@router.get("/orders/{order_id}/money", response=MoneyOut)
def order_money(request, order_id: ObjectId):
    """The order's money: paid, the fee, refunds, what the store keeps, and whether it has settled."""
    return selectors.order_money(request.auth, order_id)


@router.post("/stores/{store_id}/withdrawals", response={201: WithdrawalOut})
def request_withdrawal(request, store_id: ObjectId, body: WithdrawalIn):
    """Withdraw from available to the owner's WeChat balance (at least ¥1, 3 a day): the money
    waits in `withdrawing` until the transfer succeeds, or goes back to available if it fails."""
    store = store_for(request.auth, store_id, Perm.FINANCE)
    withdrawal = services.request_withdrawal(store=store, amount_fen=body.amount_fen, by=request.auth)
    return 201, selectors.withdrawals(store).get(pk=withdrawal.pk)


@router.get("/stores/{store_id}/withdrawals", response=Page[WithdrawalOut])
def store_withdrawals(request, store_id: ObjectId, page: Query[PageParams]):
    """The store's withdrawals, newest first."""
    return paginate(selectors.withdrawals(store_for(request.auth, store_id, Perm.FINANCE)), page)


# format=csv (or Accept: text/csv) answers the same bill as a CSV file
_CSV = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/stores/{store_id}/bills", response=Page[BillDayOut])
def store_bills(request, store_id: ObjectId, filters: Query[BillFilter], page: Query[PageParams]):
    """The days with movements on the store's accounts, newest first: each day's opening and
    closing per account and its money in and out. `?since=&until=` Shanghai days, included."""
    store = store_for(request.auth, store_id, Perm.FINANCE)
    found = selectors.bills(store, filters.since, filters.until, offset=page.offset, limit=page.limit)
    return {"items": found.items, "count": found.count}


@router.get("/stores/{store_id}/bills/{date}", response=BillOut, openapi_extra=_CSV)
def store_bill(request, store_id: ObjectId, date: BillDate, params: Query[BillParams]):
    """The store's bill (对账单) for a Shanghai day: each account's opening, every movement with
    the balance after it, closing, and totals by source type. A day without movements (a future
    one) is a bill whose openings are its closings. `format=csv` or `Accept: text/csv` answers a
    CSV file (UTF-8 with a BOM)."""
    bill = selectors.daily_bill(store_for(request.auth, store_id, Perm.FINANCE), date)
    if params.format == "csv" or "text/csv" in request.headers.get("Accept", ""):
        return exports.csv_response(bill)
    return bill
