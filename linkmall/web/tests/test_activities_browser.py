"""The shop's activities in Chromium at phone size, each buyer on their own phone, logged in by SMS and
paying in the sandbox cashier: a group buy formed through its share link and one that times out and
is refunded, a flash sale of two units with a buyer who comes too late, and a bargain two friends cut
down to its floor. Each journey checks the words on the pages and then the database."""

import re
from datetime import timedelta

import pytest

from linkmall import testing
from linkmall.accounts.sms import LogSmsBackend
from linkmall.campaigns.models import FlashSale, GroupBuyGroup
from linkmall.campaigns.services.bargain import BargainFields, bargain_activity_create
from linkmall.campaigns.services.flash import FlashSaleFields, flash_sale_create
from linkmall.campaigns.services.group import GroupBuyFields, group_buy_create
from linkmall.catalog.models import Sku
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.orders.models import Fulfilment, Order
from linkmall.payments.models import Refund
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTDOWN = re.compile(r"^\d{2}:\d{2}:\d{2}$")


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


@pytest.fixture
def owner(mall):
    LogSmsBackend.clear()
    return testing.make_merchant_owner(mall.merchant)


def buyer(phone: str, name: str = ""):
    """A consumer with a default address (so opening, joining and buying go straight to the order)."""
    user = testing.make_consumer(phone)
    if name:
        user.display_name = name
        user.save(update_fields=["display_name"])
    testing.make_address(user)
    return user


def sms_login(page, phone: str) -> None:
    page.wait_for_selector("#id_phone")
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_selector(".msg-success")
    page.fill("#id_code", LogSmsBackend.last_code_for(phone))
    page.click("button[value=login]")
    page.wait_for_load_state()


def settle() -> None:
    """The payment notifications and what they book, as the task worker would run them."""
    while run_due():
        pass


def pay(page) -> None:
    """On an order's page: pay in the sandbox cashier, let the notification arrive, go back."""
    page.click("#pay")
    assert "/sandbox/pay/" in page.url
    page.click("text=确认支付")
    page.wait_for_selector("text=支付成功")
    settle()
    page.click("text=返回商城")
    page.wait_for_load_state()


def text(page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.text_content(selector) or "").strip()


def messages(page) -> str:
    return " ".join(text(page, f".msg >> nth={i}") for i in range(page.locator(".msg").count()))


def group_buy(mall, owner, *, hours: int = 24):
    return group_buy_create(actor=owner, merchant=mall.merchant, fields=GroupBuyFields(
        listing_id=mall.tea_listing.pk, name="龙井三人团", size=3, price_fen=12800, leader_discount_fen=800, stock=5,
        hours=hours, starts_at=clock.now(), ends_at=clock.now() + timedelta(days=3)))


def open_group(page, base: str, mall, activity, phone: str) -> str:
    """The leader opens a group on the activity page, pays, and lands on the group's page.
    Returns the share link the page offers."""
    page.goto(f"{base}/shop/{mall.merchant.pk}/group-buys/{activity.pk}/")
    assert text(page, "#open-groups") == "还没有人开团，来当团长吧。"
    page.click("#group-open")
    sms_login(page, phone)  # opening needs a login, then back to the activity page
    page.click("#group-open")
    assert "/orders/" in page.url and text(page, ".grand .price") == "120.00"
    pay(page)
    assert re.search(rf"/shop/{mall.merchant.pk}/group/\d+/$", page.url)
    return page.input_value("#share-link")


def join_group(page, share_url: str, phone: str, price: str) -> None:
    """A friend opens the share link on their own phone, logs in, joins and pays: back on the group."""
    page.goto(share_url)
    assert text(page, "#group-join") == f"参与拼团 ¥{price}"
    page.click("#group-join")
    sms_login(page, phone)  # back to the group's page
    page.click("#group-join")
    assert "/orders/" in page.url
    pay(page)
    assert page.url == share_url.split("?")[0]


def test_three_buyers_form_a_group_through_the_leaders_share_link_and_it_completes(
        live_server, playwright, tmp_path, shots, mall, owner):
    base = live_server.url
    activity = group_buy(mall, owner)
    leader, first, second = (buyer("13912346001", "王小美"), buyer("13912346002", "李雷"),
                             buyer("13912346003"))  # the last has no name: shown by a masked phone
    with phone_browser(playwright, tmp_path / "leader") as page:
        share_url = open_group(page, base, mall, activity, leader.phone)
        group = GroupBuyGroup.objects.get(activity=activity)
        assert f"/shop/{mall.merchant.pk}/group/{group.pk}/?ref=" in share_url
        assert text(page, "#group-state") == "拼团中"
        assert text(page, "#group-seats").startswith("还差 2 人成团 · 剩余时间")
        assert COUNTDOWN.match(text(page, "#group-seats .countdown"))
        assert text(page, "#group-seats .countdown") != "--:--:--"
        assert text(page, "label[for=share-link]") == "邀请好友参团：把链接发给好友"
        shots(page, "group-leader-paid")
        assert Fulfilment.objects.get(order__buyer=leader).status == Fulfilment.Status.AWAITING_GROUP

        for friend, name in ((first, "first"), (second, "second")):
            with phone_browser(playwright, tmp_path / name) as phone:
                join_group(phone, share_url, friend.phone, "128.00")
                shots(phone, f"group-{name}-joined")

        page.reload()
        assert text(page, "#group-state") == "已成团"
        assert text(page, "#group-result") == "拼团成功，商家将尽快发货。"
        assert page.locator("#group-members .avatar").count() == 3
        assert page.locator("#group-members .seat-free").count() == 0
        # initials as avatars; one known by a phone number only gets a person's outline, not a digit
        assert page.locator("#group-members .avatar").all_inner_texts() == ["王", "李", ""]
        assert page.locator("#group-members .avatar >> nth=2").locator("svg").count() == 1
        assert page.locator("#group-members .member-name").all_inner_texts() == ["团长", "李*", "139****6003"]
        assert page.locator("#share-link").count() == 0
        shots(page, "group-complete")

    group.refresh_from_db()
    assert (group.status, group.seats, group.paid) == ("complete", 3, 3)
    orders = Order.objects.filter(buyer__in=[leader, first, second]).order_by("pk")
    assert [(o.buyer_id, o.status, o.total_fen) for o in orders] == [
        (leader.pk, "paid", 12000), (first.pk, "paid", 12800), (second.pk, "paid", 12800)]
    assert list(Fulfilment.objects.filter(order__in=orders).values_list("status", flat=True)) == ["to_ship"] * 3


def test_a_group_that_misses_its_deadline_fails_and_both_members_are_refunded_in_full(
        live_server, playwright, tmp_path, shots, mall, owner):
    base = live_server.url
    activity = group_buy(mall, owner, hours=2)
    stock_after_creation = Sku.objects.get(pk=mall.tea_listing.sku_id).stock
    leader, member = buyer("13912346011", "王小美"), buyer("13912346012", "李雷")
    with phone_browser(playwright, tmp_path / "leader") as page, \
            phone_browser(playwright, tmp_path / "member") as phone:
        share_url = open_group(page, base, mall, activity, leader.phone)
        join_group(phone, share_url, member.phone, "128.00")
        assert text(phone, "#group-seats").startswith("还差 1 人成团")

        clock.advance(timedelta(hours=2, minutes=1))  # past the deadline: the deadline's task runs
        settle()

        page.reload()
        assert text(page, "#group-state") == "拼团失败"
        assert text(page, "#group-result") == "拼团失败，已付款的团员将自动全额退款。"
        assert page.locator("#group-seats, #share-link, #group-join, .countdown").count() == 0
        shots(page, "group-failed")
        for who, phone_page, paid in ((leader, page, "120.00"), (member, phone, "128.00")):
            order = Order.objects.get(buyer=who)
            phone_page.goto(f"{base}/orders/{order.number}/")
            assert text(phone_page, "#order-status h1") == "已关闭"
            assert text(phone_page, "#order-refunded") == f"已退款 ¥{paid}"
        shots(phone, "group-member-refunded")

    group = GroupBuyGroup.objects.get(activity=activity)
    assert group.status == "failed"
    for order in Order.objects.filter(buyer__in=[leader, member]):
        refund = Refund.objects.get(order=order)
        assert (order.status, order.refunded_fen) == ("closed", order.total_fen)
        assert (refund.status, refund.amount_fen, refund.payment.gateway) == ("succeeded", order.total_fen, "sandbox")
    assert not Fulfilment.objects.exclude(status=Fulfilment.Status.CANCELLED).exists()
    # the two refunded units are back on the supplier's shelf
    assert Sku.objects.get(pk=mall.tea_listing.sku_id).stock == stock_after_creation + 2


def test_a_flash_sale_of_two_units_sells_two_and_the_late_buyer_is_told_it_is_sold_out(
        live_server, playwright, tmp_path, shots, mall, owner, settings):
    assert not getattr(settings, "REDIS_URL", "")  # the database path
    base = live_server.url
    sale = flash_sale_create(actor=owner, merchant=mall.merchant, fields=FlashSaleFields(
        listing_id=mall.tea_listing.pk, name="10点场", starts_at=clock.now(), ends_at=clock.now() + timedelta(hours=1),
        price_fen=9900, stock=2))
    hall = f"{base}/shop/{mall.merchant.pk}/flash/"
    with phone_browser(playwright, tmp_path / "late") as late:
        # the late buyer opens the hall while the sale is on, and hesitates
        buyer("13912346029")
        late.goto(f"{base}/login/?next=/shop/{mall.merchant.pk}/flash/")
        sms_login(late, "13912346029")
        assert text(late, ".flash-slot button") == "立即抢购"
        assert text(late, ".flash-slot .muted >> nth=-1") == "已抢 0% · 每人限购 1 件"
        shots(late, "flash-hall-on-sale")

        for phone_number, name in (("13912346021", "first"), ("13912346022", "second")):
            buyer(phone_number)
            with phone_browser(playwright, tmp_path / name) as page:
                page.goto(f"{base}/login/?next=/shop/{mall.merchant.pk}/flash/")
                sms_login(page, phone_number)
                page.click(".flash-slot button")
                assert "/orders/" in page.url
                assert messages(page) == "抢到了！请在 5 分钟内完成支付。"
                pay(page)
                assert text(page, "#order-status h1") == "待发货"

        # the stale 立即抢购 is refused in words, and the hall now says 已抢光
        late.click(".flash-slot button")
        assert late.url == hall
        assert messages(late) == "手慢了，已抢光。"
        assert text(late, ".flash-slot button") == "已抢光"
        assert late.locator(".flash-slot button").is_disabled()
        assert text(late, ".flash-slot .muted >> nth=-1") == "已抢 100% · 每人限购 1 件"
        shots(late, "flash-sold-out")

    sale = FlashSale.objects.get(pk=sale.pk)
    assert (sale.sold, sale.held, sale.stock) == (2, 0, 2)
    assert sorted(Order.objects.values_list("buyer__phone", "status", "total_fen")) == [
        ("13912346021", "paid", 9900), ("13912346022", "paid", 9900)]


def test_two_friends_cut_a_bargain_to_its_floor_through_the_share_link_and_the_buyer_pays_the_floor(
        live_server, playwright, tmp_path, shots, mall, owner):
    base = live_server.url
    bargain_activity_create(actor=owner, merchant=mall.merchant, fields=BargainFields(
        listing_id=mall.tea_listing.pk, name="龙井砍价", floor_fen=9900, helpers_needed=2,
        starts_at=clock.now(), ends_at=clock.now() + timedelta(days=3)))
    me = buyer("13912346031", "王小美")
    with phone_browser(playwright, tmp_path / "buyer") as page:
        page.goto(f"{base}/login/?next=/shop/{mall.merchant.pk}/bargains/")
        sms_login(page, me.phone)
        shots(page, "bargain-list")
        page.click(".bargain-activity button")
        assert text(page, "#bargain-price") == "¥168.00"
        share_url = page.input_value("#share-link")
        assert "?ref=" in share_url
        shots(page, "bargain-started")

        for phone_number, name in (("13912346032", "李雷"), ("13912346033", "")):
            buyer(phone_number, name)
            with phone_browser(playwright, tmp_path / phone_number) as friend:
                friend.goto(share_url)
                friend.click("#bargain-help")
                sms_login(friend, phone_number)  # back to the bargain's page
                friend.click("#bargain-help")
                assert re.fullmatch(r"你帮好友砍掉了 ¥\d+\.\d\d！", messages(friend))
                shots(friend, f"bargain-helped-{phone_number}")

        page.reload()
        assert text(page, "#bargain-price") == "¥99.00"
        assert page.locator("#bargain-helpers li").count() == 2
        assert text(page, "#bargain-buy") == "以当前价购买 ¥99.00"
        shots(page, "bargain-at-floor")
        page.click("#bargain-buy")
        assert "/orders/" in page.url
        pay(page)
        assert text(page, "#order-status h1") == "待发货"
        shots(page, "bargain-paid")

    order = Order.objects.get(buyer=me)
    line = order.lines.get()
    assert (order.status, order.total_fen, line.list_fen, line.activity_fen, line.paid_fen) == (
        "paid", 9900, 16800, 9900, 9900)
