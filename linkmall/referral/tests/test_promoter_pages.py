"""The promoter centre pages: what a boss, an agent and a member see, withdrawing, and tenancy."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind, Posting, Withdrawal
from linkmall.orders.models import Order
from linkmall.orders.services import order_apply_refund
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Reward
from linkmall.referral.settlement import order_refunded
from linkmall.referral.sharing import share_code_for
from linkmall.referral.tests._promoter_world import boss_with_earnings, buy, world_open
from linkmall.web.tests.html import inputs, text_of, texts_by_class

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_clock_and_cache():
    cache.clear()
    yield
    clock.reset()
    cache.clear()


@pytest.fixture
def world():
    return world_open(profile="classic")


def balances(user) -> dict:
    return dict(LedgerAccount.objects.filter(owner_kind=OwnerKind.PROMOTER, owner_id=user.pk)
                .values_list("bucket", "balance_fen"))


def rows(html: str, kind: str) -> int:
    return len(re.findall(rf'id="{kind}-\d+"', html))


def form_key(client) -> str:
    return inputs(client.get("/me/promoter/").content.decode(), "key")[0]["value"]


# --- who may open it ------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_sms_login_and_comes_back(client):
    response = client.get("/me/promoter/")

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/me/promoter/")


def test_staff_get_the_forbidden_page(client):
    client.force_login(t.make_platform_user())

    assert client.get("/me/promoter/").status_code == 403
    assert client.get("/me/promoter/poster.png").status_code == 403


# --- what a promoter sees ---------------------------------------------------------------------


def test_a_boss_sees_the_level_the_earnings_the_team_and_the_reward_history(client, world):
    boss, buyers = boss_with_earnings(world, invited=2, name="王老板")
    client.force_login(boss)

    html = client.get("/me/promoter/").content.decode()

    assert text_of(html, "level-name") == "老板"
    assert text_of(html, "referrer") == "推荐人：无"
    assert [text_of(html, f"balance-{b}") for b in ("pending", "available", "withdrawn")] == [
        "0.00", "600.00", "0.00"]
    assert text_of(html, "team-summary") == "团队成员 2 人 · 已邀请 2 人"
    assert {text_of(html, f"member-{b.pk}") for b in buyers} == {
        f"{b.phone[:3]}****{b.phone[-4:]} 代理 2026-03-02" for b in buyers}
    numbers = dict(Order.objects.filter(buyer__in=buyers).values_list("pk", "number"))
    rewards = list(Reward.objects.filter(recipient=boss).order_by("-created_at", "-pk"))
    assert [text_of(html, f"reward-{r.pk}") for r in rewards[:2]] == [
        f"{'团队奖' if r.kind == 'team' else '直推奖'} 订单号 {numbers[r.order_id]} "
        f"{'200.00' if r.kind == 'team' else '100.00'} 2026-03-02 10:00 可提现" for r in rewards[:2]]
    assert text_of(html, "withdraw-terms") == "每次至少 ¥10.00，手续费 0%，审核通过后到账。"
    assert f'value="http://testserver/r/{share_code_for(user_id=boss.pk)}/"' in html


def test_an_agent_sees_who_referred_them_and_the_slots_it_has_used(client, world):
    boss, (agent,) = boss_with_earnings(world, invited=1, settle=False, name="王老板")
    friend = t.make_consumer()
    referral_bind(user=friend, referrer=agent, via="qr")
    buy(world, friend)
    client.force_login(agent)

    html = client.get("/me/promoter/").content.decode()

    assert text_of(html, "level-name") == "代理"
    assert text_of(html, "referrer") == "推荐人：王老板"
    assert text_of(html, "team-summary") == "贡献名额 1/2 · 已邀请 1 人"
    assert text_of(html, "balance-pending") == "100.00"  # the direct reward, frozen for 7 days
    assert text_of(html, f"member-{friend.pk}").startswith(f"{friend.phone[:3]}****{friend.phone[-4:]} 代理")


def test_a_member_is_told_how_to_become_an_agent_and_has_nothing_to_withdraw(client, world):
    member = t.make_consumer()
    client.force_login(member)

    html = client.get("/me/promoter/").content.decode()

    assert text_of(html, "level-name") == "会员"
    assert "购买礼包即可成为代理" in text_of(html, "level")
    assert [text_of(html, f"balance-{b}") for b in ("pending", "available", "withdrawn")] == ["0.00"] * 3
    assert text_of(html, "reward-list") == "还没有奖励。分享你的链接，好友下单后这里会显示收益。"


def test_nobody_sees_another_promoters_team_rewards_or_withdrawals(client, world):
    boss, buyers = boss_with_earnings(world, invited=2)
    other = t.make_consumer()
    client.force_login(boss)
    client.post("/me/promoter/withdraw/", {"amount": "100.00", "key": form_key(client)})
    client.force_login(other)

    pages = [client.get(url).content.decode() for url in
             ("/me/promoter/", "/me/promoter/team/", "/me/promoter/rewards/", "/me/promoter/withdrawals/")]

    assert all(b.phone[-4:] not in page for page in pages for b in buyers)
    assert all(Order.objects.filter(buyer=b).get().number not in page for page in pages for b in buyers)
    assert re.findall(r'id="withdrawal-\d', pages[3]) == []
    assert text_of(pages[0], "balance-available") == "0.00"


def test_the_home_page_costs_the_same_queries_for_a_small_and_a_big_team(client, world, django_assert_num_queries):
    small, _ = boss_with_earnings(world, invited=1)
    big, _ = boss_with_earnings(world, invited=8)
    client.force_login(small)
    client.get("/me/promoter/")

    counts = []
    for boss in (small, big):
        client.force_login(boss)
        with django_assert_num_queries(12) as captured:
            assert client.get("/me/promoter/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts == [12, 12]


def test_the_reward_history_is_paged(client, world, django_assert_num_queries):
    boss, _ = boss_with_earnings(world, invited=11)  # 22 rewards
    client.force_login(boss)

    with django_assert_num_queries(4):
        first = client.get("/me/promoter/rewards/").content.decode()
    second = client.get("/me/promoter/rewards/?page=2").content.decode()
    beyond = client.get("/me/promoter/rewards/?page=9").content.decode()
    junk = client.get("/me/promoter/rewards/?page=-1x").content.decode()

    assert (rows(first, "reward"), rows(second, "reward"), rows(beyond, "reward")) == (20, 2, 0)
    assert "下一页" in first and "上一页" in second and "下一页" not in second
    assert rows(junk, "reward") == 20  # a bad page number shows the first page


def test_the_team_page_lists_a_boss_team_in_pages(client, world, django_assert_num_queries):
    boss, buyers = boss_with_earnings(world, invited=21, settle=False)
    client.force_login(boss)

    with django_assert_num_queries(9):
        first = client.get("/me/promoter/team/").content.decode()
    second = client.get("/me/promoter/team/?page=2").content.decode()

    assert (rows(first, "member"), rows(second, "member")) == (20, 1)
    assert text_of(first, "team-summary") == "团队成员 21 人"


# --- withdrawing ------------------------------------------------------------------------------


def test_a_withdrawal_through_the_page_moves_the_money_once_even_when_submitted_twice(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    client.force_login(boss)
    key = form_key(client)

    first = client.post("/me/promoter/withdraw/", {"amount": "120.50", "key": key})
    second = client.post("/me/promoter/withdraw/", {"amount": "120.50", "key": key})

    assert (first.status_code, first["Location"]) == (302, "/me/promoter/withdrawals/")
    assert (second.status_code, second["Location"]) == (302, "/me/promoter/withdrawals/")
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.owner_kind, withdrawal.owner_id, withdrawal.amount_fen, withdrawal.status) == (
        OwnerKind.PROMOTER, boss.pk, 12050, Withdrawal.Status.REQUESTED)
    assert Posting.objects.filter(kind="withdrawal_request").count() == 1
    assert balances(boss)[Bucket.AVAILABLE] == 30000 - 12050
    html = client.get("/me/promoter/withdrawals/").content.decode()
    assert text_of(html, f"withdrawal-{withdrawal.pk}") == "120.50 待审核 2026-03-10 10:00 手续费 ¥0.00 · 到账 ¥120.50"
    assert "提现申请已提交" in html
    assert texts_by_class(html, "badge") == ["待审核"]


def test_a_withdrawal_beyond_the_available_balance_is_refused_and_changes_nothing(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    client.force_login(boss)
    before = balances(boss)

    response = client.post("/me/promoter/withdraw/", {"amount": "300.01", "key": form_key(client)})

    assert response.status_code == 400
    assert text_of(response.content.decode(), "withdraw-error") == "可提现余额不足。"
    assert (Withdrawal.objects.count(), balances(boss)) == (0, before)


def test_a_debt_from_a_clawback_blocks_withdrawing_with_its_own_message(client, world):
    boss, (buyer,) = boss_with_earnings(world, invited=1)
    client.force_login(boss)
    client.post("/me/promoter/withdraw/", {"amount": "300.00", "key": form_key(client)})
    order = Order.objects.get(buyer=buyer)
    order_apply_refund(order_id=order.pk, lines=[(order.lines.get().pk, 1, 49900)])
    order_refunded(order_id=order.pk, refund_key="refund-1")
    assert balances(boss)[Bucket.AVAILABLE] == -30000

    home = client.get("/me/promoter/").content.decode()
    response = client.post("/me/promoter/withdraw/", {"amount": "10.00", "key": form_key(client)})

    assert text_of(home, "debt") == "有 ¥300.00 的奖励因退款被追回，将从之后的收益中抵扣，抵扣完之前不能提现。"
    assert response.status_code == 400
    assert text_of(response.content.decode(), "withdraw-error") == (
        "你有 ¥300.00 的欠款（退款追回的奖励），需由之后的收益抵扣后才能提现。")
    assert (Withdrawal.objects.count(), balances(boss)[Bucket.AVAILABLE]) == (1, -30000)


def test_the_form_refuses_bad_amounts_and_a_below_minimum_one_with_a_clear_message(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    client.force_login(boss)

    answers = {amount: client.post("/me/promoter/withdraw/", {"amount": amount, "key": form_key(client)})
               for amount in ("abc", "1.234", "0", "-5", "", "9.99")}

    assert {a: r.status_code for a, r in answers.items()} == dict.fromkeys(answers, 400)
    assert "请输入正确的金额" in answers["abc"].content.decode()
    assert "请填写提现金额" in answers[""].content.decode()
    assert text_of(answers["9.99"].content.decode(), "withdraw-error") == "每次至少提现 ¥10.00，且金额需大于手续费。"
    assert Withdrawal.objects.count() == 0


def test_a_forged_key_is_refused(client, world):
    boss, _ = boss_with_earnings(world, invited=1)
    client.force_login(boss)

    response = client.post("/me/promoter/withdraw/", {"amount": "20.00", "key": "../../x"})

    assert response.status_code == 400
    assert "页面已过期" in response.content.decode()
    assert Withdrawal.objects.count() == 0


def test_withdrawing_is_a_post_only_for_the_logged_in_consumer(client, world):
    assert client.get("/me/promoter/withdraw/").status_code in (302, 405)
    response = client.post("/me/promoter/withdraw/", {"amount": "20.00", "key": "a" * 32})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Withdrawal.objects.count() == 0


def test_settlement_moves_pending_to_available_on_the_page(client, world):
    boss, _ = boss_with_earnings(world, invited=1, settle=False)
    client.force_login(boss)
    assert text_of(client.get("/me/promoter/").content.decode(), "balance-pending") == "300.00"

    clock.advance(timedelta(days=8))
    run_due()

    html = client.get("/me/promoter/").content.decode()
    assert (text_of(html, "balance-pending"), text_of(html, "balance-available")) == ("0.00", "300.00")


def test_a_reward_cut_by_a_refund_shows_what_it_was_and_what_is_left(client, world):
    boss, (buyer,) = boss_with_earnings(world, invited=1, settle=False)
    order = buy(world, buyer, quantity=2)  # the boss earns 2 × 100 direct and 2 × 200 team
    line = order.lines.get()
    order_apply_refund(order_id=order.pk, lines=[(line.pk, 1, 49900)])
    order_refunded(order_id=order.pk, refund_key="refund-half")
    client.force_login(boss)
    cut = Reward.objects.get(order=order, recipient=boss, kind="team")

    html = client.get("/me/promoter/rewards/").content.decode()

    assert (cut.accrued_fen, cut.amount_fen) == (40000, 20000)
    assert text_of(html, f"reward-{cut.pk}") == f"团队奖 订单号 {order.number} 400.00 2026-03-02 10:00 退款后 ¥200.00 冻结中"
