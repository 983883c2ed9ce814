"""Races of the promoter centre with real threads: a double-clicked withdraw button, and two
share links binding one visitor at the same moment."""


import pytest
from django.core.cache import cache
from django.test import Client

from linkmall import testing as t
from linkmall.core import clock
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind, Posting, Withdrawal
from linkmall.referral.models import Promoter, TeamEvent
from linkmall.referral.sharing import referral_bind_from_visit, share_code_for
from linkmall.referral.tests._promoter_world import boss_with_earnings, world_open

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clean_clock_and_cache():
    cache.clear()
    yield
    clock.reset()
    cache.clear()


def test_two_submits_of_one_withdraw_form_at_the_same_moment_make_one_withdrawal():
    boss, _ = boss_with_earnings(world_open(), invited=1)

    def submit():
        client = Client()
        client.force_login(boss)
        return client.post("/me/promoter/withdraw/", {"amount": "100.00", "key": "c" * 32}).status_code

    statuses = t.outcomes(t.race(submit, submit))

    assert statuses == [302, 302]
    assert Withdrawal.objects.count() == 1
    assert Posting.objects.filter(kind="withdrawal_request").count() == 1
    assert LedgerAccount.objects.get(owner_kind=OwnerKind.PROMOTER, owner_id=boss.pk,
                                     bucket=Bucket.AVAILABLE).balance_fen == 20000


def test_two_share_links_binding_one_visitor_at_once_bind_exactly_one():
    a, b, visitor = t.make_consumer(), t.make_consumer(), t.make_consumer()

    def visit(sharer):
        return lambda: referral_bind_from_visit(user=visitor, code=share_code_for(user_id=sharer.pk), via="link")

    results = t.outcomes(t.race(visit(a), visit(b)))

    assert sorted(results) == [False, True]
    referrer = Promoter.objects.get(user=visitor).referrer_id
    assert referrer in (a.pk, b.pk)
    assert list(TeamEvent.objects.filter(user=visitor).values_list("kind", "referrer_id")) == [("bound", referrer)]
