import pytest

from linkmall.core.errors import InvalidInput
from linkmall.ledger.models import LedgerAccount
from linkmall.ledger.services import account_get_or_create

pytestmark = pytest.mark.django_db


def test_an_account_is_opened_at_zero_once_per_owner_and_bucket():
    first = account_get_or_create(owner_kind="supplier", owner_id=7, bucket="pending")
    again = account_get_or_create(owner_kind="supplier", owner_id=7, bucket="pending")
    assert again.pk == first.pk
    assert first.balance_fen == 0
    assert first.code == "supplier:7:pending"
    assert LedgerAccount.objects.count() == 1


def test_system_accounts_have_owner_zero_and_a_short_code():
    cash = account_get_or_create(owner_kind="gateway", owner_id=0, bucket="cash")
    clearing = account_get_or_create(owner_kind="payout", owner_id=0, bucket="clearing")
    assert (cash.code, clearing.code) == ("gateway:cash", "payout:clearing")


@pytest.mark.parametrize(
    ("owner_kind", "owner_id", "bucket", "field"),
    [
        ("bank", 1, "available", "owner_kind"),
        ("supplier", 1, "cash", "bucket"),
        ("gateway", 0, "available", "bucket"),
        ("supplier", 0, "available", "owner_id"),
        ("merchant", -3, "available", "owner_id"),
        ("merchant", "3", "available", "owner_id"),
        ("promoter", True, "pending", "owner_id"),
    ],
)
def test_an_account_that_cannot_exist_is_refused_and_not_opened(owner_kind, owner_id, bucket, field):
    with pytest.raises(InvalidInput) as refused:
        account_get_or_create(owner_kind=owner_kind, owner_id=owner_id, bucket=bucket)
    assert refused.value.detail["field"] == field
    assert LedgerAccount.objects.count() == 0
