"""A merchant with two guides and their customers, for the console and profile API tests."""

from dataclasses import dataclass
from datetime import timedelta

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.models import Profile
from linkmall.stores.models import Guide, Merchant


@dataclass
class Crm:
    merchant: Merchant
    owner: object
    guide: Guide
    other_guide: Guide
    mine: Profile  # the guide's customer
    theirs: Profile  # the other guide's customer


def make_crm(phones: tuple[str, str] = ("13911112222", "13933334444")) -> Crm:
    merchant = testing.make_merchant()
    store = testing.make_store(merchant)
    guide, other_guide = testing.make_guide(store), testing.make_guide(store)
    now = clock.now()
    mine = Profile.objects.create(
        merchant=merchant, user=testing.make_consumer(phone=phones[0]), guide=guide, name="王小姐",
        layer="core", intent_grade="A", intent_score=0.82, clv_fen=123456, last_seen_at=now - timedelta(hours=1),
        scores={"recency": 0.9, "total": 0.75},
    )
    theirs = Profile.objects.create(
        merchant=merchant, user=testing.make_consumer(phone=phones[1]), guide=other_guide, name="李先生",
        layer="potential", intent_grade="C", last_seen_at=now - timedelta(days=2),
    )
    return Crm(merchant, testing.make_merchant_owner(merchant), guide, other_guide, mine, theirs)
