"""The radar turns a guide's events into lines a person reads, and shows only what the viewer may see."""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from linkmall.cards.models import Appointment, Card, Question
from linkmall.cards.radar import radar_latest, radar_scope_for, radar_since, visitor_tag
from linkmall.core import clock
from linkmall.core.errors import NotFound, PermissionDenied
from linkmall.customers.models import Event, Profile, ShareEdge, Visitor
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_store,
    make_supplier,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
_keys = itertools.count(1)


class World:
    def __init__(self):
        self.merchant = make_merchant("美丽商家")
        self.store = make_store(self.merchant)
        self.guide = make_guide(self.store)
        self.other_guide = make_guide(self.store)
        self.serum = make_product(make_supplier(), name="玻尿酸精华")


@pytest.fixture
def world() -> World:
    clock.freeze(datetime(2026, 11, 25, 14, 3, tzinfo=SHANGHAI))
    return World()


def visitor(key: str = "k" * 32, user=None) -> Visitor:
    return Visitor.objects.create(key=key, user=user, consented_at=clock.now())


def event(world, who: Visitor, kind: str, *, guide=None, product=None, visit: int = 1, dwell_ms: int = 0,
          section: str = "", shared_by=None, dedupe_key: str | None = None) -> Event:
    return Event.objects.create(
        dedupe_key=dedupe_key or f"test-{next(_keys)}", kind=kind, visitor=who, user=who.user,
        merchant=world.merchant, store=world.store, guide=guide or world.guide, product=product,
        visit_number=visit, dwell_ms=dwell_ms, section=section, shared_by=shared_by, occurred_at=clock.now(),
    )


def lines(world, user=None) -> list[str]:
    scope = radar_scope_for(user=user or world.guide.user)
    return [item["line"] for item in radar_latest(scope=scope)]


def named(world, name: str, *, grade: str = "") -> Visitor:
    consumer = make_consumer()
    Profile.objects.create(merchant=world.merchant, user=consumer, name=name, intent_grade=grade)
    return visitor(key=f"{name}".encode().hex()[:32].ljust(32, "0"), user=consumer)


def test_a_product_view_with_its_dwell_is_one_line_with_the_minutes_and_the_visit(world):
    zhang = named(world, "张女士", grade="A")
    view = event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum, visit=3)
    dwell = event(world, zhang, Event.Kind.DWELL, product=world.serum, visit=3, dwell_ms=118_000)

    [item] = radar_latest(scope=radar_scope_for(user=world.guide.user))

    assert item["line"] == "张女士 浏览了 玻尿酸精华 2 分钟 · 第 3 次访问"
    assert (item["id"], item["key"], item["grade"], item["dwell_ms"]) == (dwell.pk, view.pk, "A", 118_000)


def test_an_anonymous_visitor_is_a_masked_tag_never_the_cookie_key(world):
    stranger = visitor(key="0123456789abcdef0123456789abcdef")
    event(world, stranger, Event.Kind.CARD_VIEW)

    tag = visitor_tag("0123456789abcdef0123456789abcdef")
    assert lines(world) == [f"访客 {tag} 打开了你的名片"]
    assert len(tag) == 4 and tag not in "0123456789ABCDEF0123456789ABCDEF"


def test_a_consumer_without_a_profile_name_is_shown_by_their_display_name(world):
    li = visitor(user=make_consumer())
    li.user.display_name = "李先生"
    li.user.save()
    event(world, li, Event.Kind.CARD_VIEW, visit=2)

    assert lines(world) == ["李先生 打开了你的名片 · 第 2 次访问"]


def test_a_consumer_without_any_name_is_shown_by_a_masked_phone(world):
    event(world, visitor(user=make_consumer("13912345001")), Event.Kind.CARD_VIEW)

    assert lines(world) == ["139****5001 打开了你的名片"]


def test_a_friend_opening_a_shared_card_reads_as_the_sharer_sharing_with_friends(world):
    li = named(world, "李先生")
    friend = visitor(key="f" * 32)
    ShareEdge.objects.create(merchant=world.merchant, sharer=li, recipient=friend)
    event(world, friend, Event.Kind.FORWARD, shared_by=li)

    assert lines(world) == ["李先生 把你的名片分享给了 1 位朋友"]


def test_a_booking_reads_with_its_slot_in_shanghai_time(world):
    wang = named(world, "王女士")
    Appointment.objects.create(store=world.store, guide=world.guide, user=wang.user, seat=1,
                               starts_at=datetime(2026, 11, 26, 14, 0, tzinfo=SHANGHAI))
    event(world, wang, Event.Kind.BOOK)

    assert lines(world) == ["王女士 预约了 11-26 14:00 到店"]


def test_a_question_handed_to_the_guide_reads_with_its_text_until_answered(world):
    zhang = named(world, "张女士")
    card = Card.objects.create(guide=world.guide)
    question = Question.objects.create(card=card, text="敏感肌能用吗？", handed_off=True)
    event(world, zhang, Event.Kind.ASK, section=f"q{question.pk}")
    assert lines(world) == ["张女士 问：敏感肌能用吗？ · 待你回答"]

    Question.objects.filter(pk=question.pk).update(answered_by_guide_at=clock.now())
    assert lines(world) == ["张女士 问：敏感肌能用吗？"]


def test_shares_and_sections_have_their_own_lines_newest_first(world):
    zhang = named(world, "张女士")
    event(world, zhang, Event.Kind.SECTION_VIEW, section="promotions")
    event(world, zhang, Event.Kind.SHARE, product=world.serum)
    event(world, zhang, Event.Kind.SHARE)
    event(world, zhang, Event.Kind.DWELL, dwell_ms=42_400)  # on the card, whose view is not in the feed

    assert lines(world) == [
        "张女士 在你的名片停留了 42 秒",
        "张女士 分享了你的名片",
        "张女士 分享了 玻尿酸精华",
        "张女士 查看了你的名片的「优惠活动」",
    ]


def test_a_dwell_arriving_after_its_view_was_sent_repeats_the_view_line_under_the_same_key(world):
    zhang = named(world, "张女士")
    view = event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum)
    scope = radar_scope_for(user=world.guide.user)
    [first] = radar_since(scope=scope, after=0)
    event(world, zhang, Event.Kind.DWELL, product=world.serum, dwell_ms=30_000)
    second_dwell = event(world, zhang, Event.Kind.DWELL, product=world.serum, dwell_ms=45_000)

    [update] = radar_since(scope=scope, after=first["id"] + 1)  # only the second dwell is new

    assert first["line"] == "张女士 浏览了 玻尿酸精华"
    assert (update["key"], update["id"]) == (view.pk, second_dwell.pk)
    assert update["line"] == "张女士 浏览了 玻尿酸精华 1 分钟"  # 30 s + 45 s, both dwells of the view


def test_a_guide_sees_only_their_own_events_and_an_owner_sees_every_guide_of_the_merchant(world):
    zhang = named(world, "张女士")
    event(world, zhang, Event.Kind.CARD_VIEW)
    event(world, zhang, Event.Kind.CARD_VIEW, guide=world.other_guide)
    elsewhere = make_guide(make_store(make_merchant()))
    event(world, zhang, Event.Kind.CARD_VIEW, guide=elsewhere)
    owner = make_merchant_owner(world.merchant)
    other_name = world.other_guide.user.display_name

    assert lines(world) == ["张女士 打开了你的名片"]
    assert lines(world, world.other_guide.user) == ["张女士 打开了你的名片"]
    assert lines(world, owner) == [f"张女士 打开了{other_name}的名片", f"张女士 打开了{world.guide.user.display_name}的名片"]
    owner_scope = radar_scope_for(user=owner, guide_id=world.other_guide.pk)
    assert [i["line"] for i in radar_latest(scope=owner_scope)] == [f"张女士 打开了{other_name}的名片"]


def test_nobody_watches_a_radar_that_is_not_theirs(world):
    elsewhere = make_guide(make_store(make_merchant()))
    with pytest.raises(NotFound):
        radar_scope_for(user=make_merchant_owner(world.merchant), guide_id=elsewhere.pk)
    with pytest.raises(NotFound):
        radar_scope_for(user=world.guide.user, guide_id=world.other_guide.pk)
    with pytest.raises(PermissionDenied):
        radar_scope_for(user=make_consumer())
