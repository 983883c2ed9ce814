"""The platform's withdrawal review queue at /ops/withdrawals/."""

import csv
import io

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.accounts.models import Tenant
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import Posting, Withdrawal
from linkmall.ledger.tests.helpers import account, balance, fund, ledger_state
from linkmall.ledger.withdrawals import withdrawal_request

pytestmark = pytest.mark.django_db

QUEUE = reverse("ledger:ops_withdrawals")


@pytest.fixture
def ops(client):
    client.force_login(t.make_platform_user())
    return client


def a_request(owner_kind="promoter", amount_fen=20000, funded=50000):
    if owner_kind == "promoter":
        owner = t.make_consumer()
        actor, owner_id = owner, owner.pk
    else:
        tenant = t.make_supplier() if owner_kind == "supplier" else t.make_merchant()
        actor = t.make_supplier_staff(tenant) if owner_kind == "supplier" else t.make_merchant_owner(tenant)
        owner_id = tenant.pk
    fund(account(owner_kind, owner_id, "available"), funded)
    return withdrawal_request(actor=actor, owner_kind=owner_kind, owner_id=owner_id, amount_fen=amount_fen,
                              key=f"{owner_kind}-{owner_id}")


@pytest.mark.parametrize("path", [QUEUE, reverse("ledger:ops_withdrawals_csv")])
def test_only_platform_staff_open_the_queue(client, path):
    assert client.get(path).status_code == 302
    for user in (t.make_consumer(), t.make_supplier_staff(t.make_supplier())):
        client.force_login(user)
        assert client.get(path).status_code == 403


def test_a_supplier_cannot_approve_its_own_withdrawal(client):
    withdrawal = a_request("supplier")
    client.force_login(t.make_supplier_staff(t.make_supplier()))
    state = ledger_state()
    assert client.post(reverse("ledger:ops_withdrawal_approve", args=[withdrawal.pk])).status_code == 403
    assert ledger_state() == state
    assert Withdrawal.objects.get().status == "requested"


def test_the_queue_lists_requested_withdrawals_oldest_first_with_owner_fee_and_balances(ops):
    first = a_request("promoter")
    second = a_request("supplier", amount_fen=10000)
    third = a_request("merchant", amount_fen=30000, funded=30000)

    response = ops.get(QUEUE)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.withdrawal.pk for r in rows] == [first.pk, second.pk, third.pk]
    assert [r.balances for r in rows] == [{"available": 30000}, {"available": 40000}, {"available": 0}]
    assert rows[1].owner_label == Tenant.objects.get(pk=second.owner_id).name
    body = response.content.decode()
    assert "200.00" in body and "300.00" in body
    assert body.count("通过并打款") == 3


@pytest.mark.parametrize("count", [1, 6])
def test_the_queue_costs_the_same_queries_whatever_its_length(ops, django_assert_num_queries, count):
    for kind in (["promoter", "supplier", "merchant"] * 2)[:count]:
        a_request(kind)
    # session, user, count, page, users, tenants, balances (tenants/users only when there are some)
    with django_assert_num_queries(7 if count > 1 else 6):
        ops.get(QUEUE)


def test_approving_through_the_page_pays_once_even_when_submitted_twice(ops):
    withdrawal = a_request("promoter")
    url = reverse("ledger:ops_withdrawal_approve", args=[withdrawal.pk])

    first = ops.post(url, {"next": QUEUE + "?status=requested"})
    state = ledger_state()
    second = ops.post(url, follow=True)

    assert first.status_code == 302 and first["Location"] == QUEUE + "?status=requested"
    assert Withdrawal.objects.get().status == "paid"
    assert ledger_state() == state
    assert Posting.objects.filter(kind="withdrawal_paid").count() == 1
    assert balance(account("promoter", withdrawal.owner_id, "withdrawn")) == withdrawal.net_fen
    assert "这笔提现已经处理过了" in second.content.decode()


def test_rejecting_through_the_page_needs_a_reason_and_returns_the_money_once(ops):
    withdrawal = a_request("merchant")
    url = reverse("ledger:ops_withdrawal_reject", args=[withdrawal.pk])
    state = ledger_state()

    refused = ops.post(url, {"reason": "  "}, follow=True)
    assert "请填写驳回原因" in refused.content.decode()
    assert ledger_state() == state

    ops.post(url, {"reason": "账户信息不符"})
    after = ledger_state()
    ops.post(url, {"reason": "again"})

    assert ledger_state() == after
    assert (Withdrawal.objects.get().status, Withdrawal.objects.get().note) == ("rejected", "账户信息不符")
    assert balance(account("merchant", withdrawal.owner_id, "available")) == 50000


def test_a_redirect_elsewhere_is_ignored(ops):
    withdrawal = a_request("promoter")
    response = ops.post(reverse("ledger:ops_withdrawal_reject", args=[withdrawal.pk]),
                        {"reason": "x", "next": "https://evil.example/"})
    assert response["Location"] == QUEUE


def test_an_unknown_withdrawal_answers_404(ops):
    assert ops.post(reverse("ledger:ops_withdrawal_approve", args=[999])).status_code == 404


def test_the_status_filter_shows_decided_withdrawals(ops):
    paid, waiting = a_request("promoter"), a_request("supplier")
    ops.post(reverse("ledger:ops_withdrawal_approve", args=[paid.pk]))

    assert [r.withdrawal.pk for r in ops.get(QUEUE).context["rows"]] == [waiting.pk]
    assert [r.withdrawal.pk for r in ops.get(QUEUE, {"status": "paid"}).context["rows"]] == [paid.pk]
    assert [r.withdrawal.pk for r in ops.get(QUEUE, {"status": "all"}).context["rows"]] == [paid.pk, waiting.pk]
    assert ops.get(QUEUE, {"status": "nonsense"}).context["status"] == "requested"


def test_the_csv_export_lists_the_filtered_withdrawals(ops):
    withdrawal = a_request("supplier")
    response = ops.get(reverse("ledger:ops_withdrawals_csv"), {"status": "requested"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号", "账户类型", "账户ID", "账户名称", "提现金额"]
    assert rows[1][:2] == [str(withdrawal.pk), "supplier"]
    assert rows[1][4:8] == ["200.00", fen_to_yuan(withdrawal.fee_fen), fen_to_yuan(withdrawal.net_fen), "requested"]
    assert len(rows) == 2
