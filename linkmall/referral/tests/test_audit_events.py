"""The audit log of the team graph (issue 3 §2: "an audited event for every placement, slide,
promotion and breakaway"; spec §4: under `settled`, a refund before settlement "leaves no trace
but the audit log").

Each event is asserted with every field: kind, team owner, referrer, order, detail and time.
"""

from datetime import timedelta

import pytest

from linkmall import testing as t
from linkmall.core import clock
from linkmall.ledger.models import LedgerAccount
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, Reward, TeamEvent
from linkmall.referral.services import promoter_seed
from linkmall.referral.settlement import order_settle
from linkmall.referral.tests._engine_world import buy, go_live, refund, shop_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(clock.now())
    yield
    clock.reset()


def events_of(user, names, orders=None):
    """(kind, team owner, referrer, order, detail, at) of each event of `user`, with users and
    orders shown by the names given for their ids."""
    orders = orders or {}
    return [(e.kind, names.get(e.team_owner_id, e.team_owner_id), names.get(e.referrer_id, e.referrer_id),
             orders.get(e.order_id, e.order_id), e.detail, e.at)
            for e in TeamEvent.objects.filter(user=user)]


def test_the_worked_example_audits_every_binding_placement_slide_promotion_and_breakaway():
    shop = shop_open(gift_pool_fen=30000)
    go_live(shop, {"profile": "classic"})
    a = t.make_consumer()
    seeded_at = clock.now()
    promoter_seed(user=a, level="boss")
    users, names, orders, at = {"A": a}, {a.pk: "A"}, {}, {}
    for name, ref in [("B", "A"), ("C", "A"), ("B1", "B"), ("B2", "B"), ("B3", "B"), ("B3a", "B3")]:
        clock.advance(timedelta(hours=1))
        users[name] = t.make_consumer()
        names[users[name].pk] = name
        referral_bind(user=users[name], referrer=users[ref], via="link")
        bound_at = clock.now()
        clock.advance(timedelta(minutes=5))
        order = buy(shop, users[name])
        orders[order.pk] = f"o{name}"
        at[name] = (bound_at, clock.now())

    assert events_of(a, names, orders) == [("seeded", None, None, None, "boss", seeded_at)]
    bound, paid = at["B"]
    assert events_of(users["B"], names, orders) == [
        ("bound", None, "A", None, "link", bound),
        ("placed", "A", "A", "oB", "", paid),
        # B2's order fills B's second slot: promoted and broken away from A, in that order's audit
        ("promoted", None, None, "oB2", "", at["B2"][1]),
        ("broke_away", "A", None, "oB2", "origin_boss", at["B2"][1]),
    ]
    assert events_of(users["C"], names, orders) == [("bound", None, "A", None, "link", at["C"][0]),
                                            ("placed", "A", "A", "oC", "", at["C"][1])]
    assert events_of(users["B1"], names, orders) == [("bound", None, "B", None, "link", at["B1"][0]),
                                             ("slid", "A", "B", "oB1", "slot 1", at["B1"][1])]
    assert events_of(users["B2"], names, orders) == [("bound", None, "B", None, "link", at["B2"][0]),
                                             ("slid", "A", "B", "oB2", "slot 2", at["B2"][1])]
    assert events_of(users["B3"], names, orders) == [("bound", None, "B", None, "link", at["B3"][0]),
                                             ("placed", "B", "B", "oB3", "", at["B3"][1])]
    assert events_of(users["B3a"], names, orders) == [("bound", None, "B3", None, "link", at["B3a"][0]),
                                              ("slid", "B", "B3", "oB3a", "slot 1", at["B3a"][1])]
    # 1 seed, 6 bindings, 6 entries (placed or slid), 1 promotion and 1 breakaway
    assert TeamEvent.objects.count() == 15
    assert set(TeamEvent.objects.values_list("kind", flat=True)) == {
        "bound", "broke_away", "placed", "promoted", "seeded", "slid"}


def test_seeding_an_agent_and_placements_under_the_platform_are_audited():
    shop = shop_open(gift_pool_fen=30000)
    go_live(shop, {"profile": "classic"})
    boss, agent, member, loner, m1 = (t.make_consumer() for _ in range(5))
    names = {boss.pk: "boss", agent.pk: "agent", member.pk: "member"}
    promoter_seed(user=boss, level="boss")
    promoter_seed(user=agent, level="agent", team_owner=boss)
    assert events_of(agent, names) == [("seeded", "boss", None, None, "agent", clock.now())]

    # a member's referral and a user with no referrer are placed in no team (the platform)
    referral_bind(user=m1, referrer=member, via="card")
    o1 = buy(shop, m1)
    o2 = buy(shop, loner)
    orders = {o1.pk: "o1", o2.pk: "o2"}
    assert events_of(m1, names, orders) == [("bound", None, "member", None, "card", clock.now()),
                                    ("placed", None, "member", "o1", "", clock.now())]
    assert events_of(loner, names, orders) == [("placed", None, None, "o2", "", clock.now())]


def test_an_agent_in_no_team_is_promoted_and_breaks_away_with_no_origin_boss():
    shop = shop_open(gift_pool_fen=30000)
    go_live(shop, {"profile": "classic"})
    r = t.make_consumer()
    buy(shop, r)  # no referrer: an agent in no team
    kids = [t.make_consumer() for _ in range(2)]
    names, orders = {r.pk: "R"}, {}
    for kid in kids:
        referral_bind(user=kid, referrer=r, via="link")
        orders[buy(shop, kid).pk] = "o2"
    assert events_of(kids[1], names, orders) == [("bound", None, "R", None, "link", clock.now()),
                                         ("slid", None, "R", "o2", "slot 2", clock.now())]
    assert events_of(r, names, orders)[-2:] == [("promoted", None, None, "o2", "", clock.now()),
                                        ("broke_away", None, None, "o2", "", clock.now())]
    assert Promoter.objects.get(user=r).origin_boss_id is None


def test_sales_a_refund_before_settlement_leaves_only_the_binding_in_the_audit_log():
    shop = shop_open(gift_pool_fen=10000)
    go_live(shop, {"profile": "sales"})
    a, b = t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="link")
    bound_at = clock.now()
    order = buy(shop, b)
    assert [e[0] for e in events_of(b, {})] == ["bound"]  # nothing happens at payment (§4)
    clock.advance(timedelta(days=2))
    refund(order, 1, key="r1")
    clock.advance(timedelta(days=5))
    assert order_settle(order_id=order.pk) is True

    assert events_of(b, {a.pk: "A"}) == [("bound", None, "A", None, "link", bound_at)]
    assert TeamEvent.objects.filter(order=order).count() == 0
    assert Promoter.objects.get(user=b).level == "member"
    assert not Reward.objects.exists()
    assert not LedgerAccount.objects.filter(owner_kind="promoter").exclude(balance_fen=0).exists()


def test_sales_an_order_that_settles_places_its_buyer_at_settlement_time():
    shop = shop_open(gift_pool_fen=10000)
    go_live(shop, {"profile": "sales"})
    a, b = t.make_consumer(), t.make_consumer()
    promoter_seed(user=a, level="boss")
    referral_bind(user=b, referrer=a, via="link")
    order = buy(shop, b, quantity=2)
    refund(order, 1, key="r1")  # a partial refund: something remains, so the order still enters
    clock.advance(timedelta(days=7))
    assert order_settle(order_id=order.pk) is True
    assert events_of(b, {a.pk: "A"}, {order.pk: "o1"})[1:] == [("placed", "A", "A", "o1", "", clock.now())]
