"""Withdrawals: minimum, fee, review, transfer, debts, idempotency and races."""


import pytest

from linkmall import testing as t
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.ledger.models import Bucket, OwnerKind, Withdrawal
from linkmall.ledger.payouts import TransferResult
from linkmall.ledger.selectors import balances_of, ledger_verify
from linkmall.ledger.services import Line, account_get_or_create, posting_write
from linkmall.ledger.withdrawals import withdrawal_approve, withdrawal_reject, withdrawal_request

pytestmark = pytest.mark.django_db


def earn(user, fen, key="earn"):
    """Give a promoter `fen` available (positive) or a debt (negative), from the gateway."""
    posting_write(key=f"{key}-{user.pk}", kind="test", lines=[
        Line(account_get_or_create(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk, bucket=Bucket.AVAILABLE), fen, True),
        Line(account_get_or_create(owner_kind=OwnerKind.GATEWAY, owner_id=0, bucket=Bucket.CASH), -fen, True),
    ])


def promoter_balances(user):
    return balances_of(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk)


def test_a_promoter_withdraws_after_staff_approve_and_the_fee_goes_to_the_platform(settings):
    settings.LINKMALL = {**settings.LINKMALL, "WITHDRAWAL_FEE_PERCENT": "1"}
    user, staff = t.make_consumer(), t.make_platform_user()
    earn(user, 50000)
    w = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=20000, key="w1")
    assert (w.status, w.fee_fen, w.net_fen) == ("requested", 200, 19800)
    assert promoter_balances(user)["available"] == 30000
    w = withdrawal_approve(actor=staff, withdrawal=w)
    assert (w.status, w.transfer_id.startswith("SBXT")) == ("paid", True)
    assert promoter_balances(user) == {"available": 30000, "withdrawn": 19800}
    assert balances_of(owner_kind="platform", owner_id=0)["available"] == 200
    assert ledger_verify().ok


def test_the_same_key_is_one_withdrawal():
    user = t.make_consumer()
    earn(user, 50000)
    first = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=10000, key="k")
    again = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=10000, key="k")
    assert first.pk == again.pk
    assert promoter_balances(user)["available"] == 40000
    with pytest.raises(Conflict) as err:
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=20000, key="k")
    assert err.value.code == "idempotency_key_reused"


def test_below_the_minimum_or_above_the_balance_is_refused_and_changes_nothing():
    user = t.make_consumer()
    earn(user, 5000)
    with pytest.raises(InvalidInput) as err:
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=999, key="a")
    assert err.value.code == "below_minimum"
    with pytest.raises(Conflict) as err:
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=5001, key="b")
    assert err.value.code == "insufficient_balance"
    assert Withdrawal.objects.count() == 0
    assert promoter_balances(user)["available"] == 5000


def test_a_debt_blocks_withdrawal_until_later_earnings_cover_it():
    user = t.make_consumer()
    earn(user, -3000, key="clawback")
    with pytest.raises(Conflict):
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=1000, key="a")
    earn(user, 5000, key="later")
    with pytest.raises(Conflict):
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=2001, key="b")
    w = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=2000, key="c")
    assert w.status == "requested"
    assert promoter_balances(user)["available"] == 0


def test_a_rejected_withdrawal_gives_the_money_back():
    user, staff = t.make_consumer(), t.make_platform_user()
    earn(user, 5000)
    w = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=5000, key="a")
    with pytest.raises(InvalidInput):
        withdrawal_reject(actor=staff, withdrawal=w, reason=" ")
    w = withdrawal_reject(actor=staff, withdrawal=w, reason="实名信息不符")
    assert w.status == "rejected"
    assert promoter_balances(user)["available"] == 5000
    with pytest.raises(Conflict):
        withdrawal_approve(actor=staff, withdrawal=w)
    assert ledger_verify().ok


def test_a_failed_transfer_gives_the_money_back(monkeypatch):
    user, staff = t.make_consumer(), t.make_platform_user()
    earn(user, 5000)
    monkeypatch.setattr("linkmall.ledger.payouts.SandboxTransfer.transfer",
                        lambda self, **kw: TransferResult(ok=False, message="ACCOUNT_FROZEN"))
    w = withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=5000, key="a")
    w = withdrawal_approve(actor=staff, withdrawal=w)
    assert (w.status, w.note) == ("failed", "ACCOUNT_FROZEN")
    assert promoter_balances(user) == {"available": 5000}


def test_nobody_withdraws_someone_elses_money_and_only_staff_approve():
    owner, other = t.make_consumer(), t.make_consumer()
    earn(owner, 5000)
    with pytest.raises(NotFound):
        withdrawal_request(actor=other, owner_kind="promoter", owner_id=owner.pk, amount_fen=1000, key="x")
    supplier = t.make_supplier()
    with pytest.raises(NotFound):
        withdrawal_request(actor=t.make_supplier_staff(t.make_supplier()), owner_kind="supplier",
                           owner_id=supplier.pk, amount_fen=1000, key="y")
    w = withdrawal_request(actor=owner, owner_kind="promoter", owner_id=owner.pk, amount_fen=1000, key="z")
    with pytest.raises(PermissionDenied):
        withdrawal_approve(actor=owner, withdrawal=w)
    assert Withdrawal.objects.get().status == "requested"


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_one_balance_never_overdraw():
    user = t.make_consumer()
    earn(user, 10000)
    def request(n):
        withdrawal_request(actor=user, owner_kind="promoter", owner_id=user.pk, amount_fen=6000, key=f"r{n}")
        return "ok"

    results = t.outcomes(t.race(*t.copies(request, 4)))

    assert sorted(results) == ["insufficient_balance"] * 3 + ["ok"]
    assert promoter_balances(user)["available"] == 4000
    assert ledger_verify().ok
