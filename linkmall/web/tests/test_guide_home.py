"""The guide's workbench (导购工作台): today's radar, reminders due, today's bookings, the card's
share tools and earnings, on one page read in a fixed number of queries."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import NoReverseMatch, reverse

from linkmall.accounts.models import Role
from linkmall.cards.models import Appointment
from linkmall.core import clock
from linkmall.customers.models import Event, Profile, Reminder, Visitor
from linkmall.testing import make_consumer, make_guide, make_merchant_owner, make_product, make_supplier
from linkmall.web.tests.html import parse, text_of, texts_by_class

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 14, 3, tzinfo=SHANGHAI)
_keys = itertools.count(1)


class Day:
    """A guide's day: two known customers and an anonymous visitor on the card, reminders and bookings
    around today, and the same things of another guide that the workbench must not show."""

    def __init__(self, mall):
        clock.freeze(NOW)
        self.mall = mall
        self.guide = make_guide(mall.store)
        self.other = make_guide(mall.store)
        self.serum = make_product(make_supplier(), name="玻尿酸精华")
        self.visitors: dict[int, Visitor] = {}
        self.wang = self.customer("王女士", grade="A")
        self.li = self.customer("李先生", grade="C")
        self.stranger = Visitor.objects.create(key="s" * 32, consented_at=NOW)

    def customer(self, name: str, *, grade: str) -> Profile:
        user = make_consumer()
        profile = Profile.objects.create(merchant=self.mall.merchant, user=user, guide=self.guide, name=name,
                                         intent_grade=grade)
        self.visitors[profile.pk] = Visitor.objects.create(key=f"v{profile.pk}".ljust(32, "0"), user=user,
                                                           consented_at=NOW)
        return profile

    def event(self, visitor: Visitor, kind: str, *, at: datetime, guide=None, product=None) -> Event:
        return Event.objects.create(
            dedupe_key=f"t-{next(_keys)}", kind=kind, visitor=visitor, user=visitor.user,
            merchant=self.mall.merchant, store=self.mall.store, guide=guide or self.guide, product=product,
            occurred_at=at,
        )

    def reminder(self, profile: Profile, body: str, due_at: datetime, *, guide=None) -> Reminder:
        return Reminder.objects.create(profile=profile, guide=guide or self.guide, body=body, due_at=due_at)

    def booking(self, profile: Profile, starts_at: datetime, *, guide=None, status=Appointment.Status.BOOKED,
                seat: int | None = 1) -> Appointment:
        return Appointment.objects.create(store=self.mall.store, guide=guide or self.guide, user=profile.user,
                                          starts_at=starts_at, seat=seat, status=status)


@pytest.fixture
def day(mall) -> Day:
    return Day(mall)


@pytest.fixture
def guide_client(client, day):
    client.force_login(day.guide.user)
    return client


def fill(day: Day) -> dict:
    at = NOW.replace(hour=10)
    day.event(day.visitors[day.wang.pk], Event.Kind.CARD_VIEW, at=at)
    day.event(day.visitors[day.wang.pk], Event.Kind.PRODUCT_VIEW, at=at + timedelta(minutes=5), product=day.serum)
    day.event(day.visitors[day.li.pk], Event.Kind.CARD_VIEW, at=at + timedelta(minutes=30))
    day.event(day.stranger, Event.Kind.CARD_VIEW, at=at + timedelta(hours=1))
    day.event(day.visitors[day.wang.pk], Event.Kind.CARD_VIEW, at=at - timedelta(days=1))  # yesterday
    day.event(day.visitors[day.wang.pk], Event.Kind.CARD_VIEW, at=at, guide=day.other)  # another guide's card
    return {
        "overdue": day.reminder(day.wang, "回访口红试色", NOW - timedelta(days=1)),
        "today": day.reminder(day.li, "提醒生日优惠", NOW.replace(hour=20)),
        "tomorrow": day.reminder(day.li, "明天再说", NOW + timedelta(days=1)),
        "others": day.reminder(day.wang, "别人的提醒", NOW - timedelta(hours=1), guide=day.other),
        "booking": day.booking(day.wang, NOW.replace(hour=16, minute=0)),
        "morning": day.booking(day.li, NOW.replace(hour=9, minute=30)),
        "cancelled": day.booking(day.li, NOW.replace(hour=17, minute=0), status=Appointment.Status.CANCELLED,
                                 seat=None),
        "next_day": day.booking(day.li, NOW.replace(hour=11, minute=0) + timedelta(days=1)),
        "other_guide": day.booking(day.wang, NOW.replace(hour=18, minute=0), guide=day.other),
    }


def test_a_guide_sees_todays_radar_reminders_bookings_card_and_earnings(guide_client, day):
    rows = fill(day)
    response = guide_client.get("/guide/")
    html = response.content.decode()

    assert response.status_code == 200
    assert text_of(html, "gw-name") == f"你好，{day.guide.user.display_name}"
    # the radar: three people today (yesterday's and the other guide's events left out), 王女士 is hot
    assert [t for t in texts_by_class(html, "gw-stats")] == ["3 访客 3 名片浏览 1 商品浏览"]
    assert text_of(html, "gw-hot") == "A 王女士"
    assert texts_by_class(html, "gw-lines") == [
        "11:03 访客 18AC 打开了你的名片 10:33 李先生 打开了你的名片 10:08 王女士 浏览了 玻尿酸精华"
    ]
    # reminders due by tonight, overdue first, each with a link to the customer and 发券
    overdue, tonight = rows["overdue"], rows["today"]
    assert text_of(html, f"gw-reminder-{overdue.pk}") == "王女士 回访口红试色 已过期 · 11-24 14:03 发券"
    assert text_of(html, f"gw-reminder-{tonight.pk}") == "李先生 提醒生日优惠 11-25 20:03 发券"
    reminder_ids = [a["id"] for tag, a in parse(html).elements if (a.get("id") or "").startswith("gw-reminder-")]
    assert reminder_ids == [f"gw-reminder-{overdue.pk}", f"gw-reminder-{tonight.pk}"]
    hrefs = {a.get("href") for tag, a in parse(html).elements if tag == "a"}
    assert f"/console/customers/{day.wang.pk}/" in hrefs
    assert f"/console/guide/customers/{day.wang.pk}/coupon/?reminder={overdue.pk}" in hrefs
    # today's bookings of this guide, by time, cancelled ones left out
    booking_ids = [a["id"] for tag, a in parse(html).elements if (a.get("id") or "").startswith("gw-booking-")]
    assert booking_ids == [f"gw-booking-{rows['morning'].pk}", f"gw-booking-{rows['booking'].pk}"]
    assert text_of(html, f"gw-booking-{rows['booking'].pk}") == f"16:00 王女士 {day.mall.store.name} 已预约"
    # the card's share tools and the earnings (nothing earned yet; referral/tests/test_guide_pay.py earns)
    share = [a for tag, a in parse(html).elements if a.get("id") == "gw-share-url"]
    assert share[0]["value"] == f"http://testserver/card/{day.guide.pk}/"
    assert {f"/card/{day.guide.pk}/poster.png", f"/card/{day.guide.pk}/", "/guide/card/"} <= hrefs
    assert text_of(html, "gw-earnings") == "我的收益 ¥0.00 待结算 ¥0.00 · 已结算 ¥0.00 收益明细"
    # the guide's tab bar, on the workbench
    assert texts_by_class(html, "guide-tabbar") == ["工作台 雷达 客户 预约 名片"]


def test_the_redemption_button_shows_once_the_redemption_page_exists(guide_client, day):
    html = guide_client.get("/guide/").content.decode()
    try:
        redeem = reverse("orders:redeem")
    except NoReverseMatch:
        assert text_of(html, "gw-redeem") == "扫码核销即将上线"
    else:
        assert [a["href"] for tag, a in parse(html).elements if a.get("id") == "gw-redeem"] == [redeem]


def test_a_quiet_day_says_so_in_each_card(guide_client, day):
    html = guide_client.get("/guide/").content.decode()
    assert texts_by_class(html, "gw-lines") == ["今天还没有客户动态。把名片分享出去，客户一打开就会出现在这里。"]
    assert text_of(html, "gw-reminders") == "待跟进 全部提醒 › 今天没有要跟进的客户。 给其他客户发券 ›"
    assert text_of(html, "gw-bookings") == "今日预约 全部预约 › 今天没有到店预约。"


def test_the_workbench_reads_in_a_fixed_number_of_queries(guide_client, day, django_assert_num_queries):
    fill(day)
    with django_assert_num_queries(14):
        guide_client.get("/guide/")
    for n in range(5):  # more customers, events, reminders and bookings: the same queries
        extra = day.customer(f"客户{n}", grade="B")
        day.event(day.visitors[extra.pk], Event.Kind.PRODUCT_VIEW, at=NOW - timedelta(minutes=n + 1), product=day.serum)
        day.reminder(extra, "跟进", NOW - timedelta(hours=n + 1))
        day.booking(extra, NOW.replace(hour=19, minute=0) + timedelta(minutes=n), seat=n + 2)
    with django_assert_num_queries(14):
        guide_client.get("/guide/")


@pytest.mark.parametrize("role", ["consumer", "merchant_owner"])
def test_only_guides_open_the_workbench(client, day, role):
    user = make_consumer() if role == "consumer" else make_merchant_owner(day.mall.merchant)
    client.force_login(user)
    response = client.get("/guide/")
    assert response.status_code == 403


def test_a_visitor_is_sent_to_the_staff_login(client, day):
    response = client.get("/guide/")
    assert (response.status_code, response["Location"]) == (302, "/staff/login/?next=/guide/")


def test_a_guide_switched_off_by_the_merchant_gets_no_workbench(guide_client, day):
    day.guide.is_active = False
    day.guide.save(update_fields=["is_active"])
    assert guide_client.get("/guide/").status_code == 403
    assert day.guide.user.role == Role.GUIDE
