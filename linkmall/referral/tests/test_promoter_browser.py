"""A promoter in a real browser at phone size: logs in by SMS, sees the earnings of two
referrals' orders, withdraws part of them, and finds the withdrawal waiting for review."""


import pytest

from linkmall.accounts.models import User
from linkmall.accounts.sms import LogSmsBackend
from linkmall.ledger.models import Bucket, LedgerAccount, OwnerKind, Withdrawal
from linkmall.referral.sharing import share_code_for
from linkmall.referral.tests._promoter_world import boss_with_earnings, world_open
from linkmall.web.tests.browser import Screenshots, phone_browser, screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path) -> Screenshots:
    return Screenshots(screenshot_dir(tmp_path))


@pytest.fixture
def promoter(db):
    """A boss whose two referrals bought the package 8 days ago: 600.00 available (classic plan)."""
    world = world_open(profile="classic")
    boss, _ = boss_with_earnings(world, invited=2, name="王老板")
    User.objects.filter(pk=boss.pk).update(phone="13600008888")
    boss.refresh_from_db()
    yield boss
    from linkmall.core import clock

    clock.reset()


def log_in_by_sms(page, phone: str) -> None:
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_selector(".msg-success")
    page.fill("#id_code", LogSmsBackend.last_code_for(phone))
    page.click("button[value=login]")


def test_a_promoter_logs_in_sees_the_earnings_withdraws_and_sees_the_withdrawal(
    live_server, playwright, tmp_path, shots, promoter
):
    LogSmsBackend.clear()
    base = live_server.url

    with phone_browser(playwright, tmp_path / "promoter") as page:
        page.goto(f"{base}/me/promoter/")
        assert "/login/" in page.url
        log_in_by_sms(page, promoter.phone)
        page.wait_for_selector("#balances")
        assert page.url == f"{base}/me/promoter/"
        assert page.text_content("#level-name") == "老板"
        assert page.text_content("#balance-available") == "600.00"
        assert page.text_content("#balance-pending") == "0.00"
        assert page.locator("#reward-list li").count() == 4
        shots(page, "promoter-centre")
        shots(page, "promoter-team-and-share", show="#share")
        code = share_code_for(user_id=promoter.pk)
        assert page.input_value("#share-link") == f"{base}/r/{code}/"
        assert page.evaluate("document.getElementById('share-qr').naturalWidth") > 100

        # too much first: refused with the reason, nothing moves
        page.fill("#id_amount", "800")
        page.click("#withdraw-submit")
        assert page.text_content("#withdraw-error").strip() == "可提现余额不足。"
        shots(page, "withdraw-refused", show="#withdraw")

        page.fill("#id_amount", "200.00")
        page.click("#withdraw-submit")
        page.wait_for_selector("#withdrawal-list")
        assert page.url == f"{base}/me/promoter/withdrawals/"
        assert page.text_content(".msg-success") == "提现申请已提交，审核通过后打款到账。"
        withdrawal = Withdrawal.objects.get()
        row = page.locator(f"#withdrawal-{withdrawal.pk}")
        assert row.locator(".badge").text_content() == "待审核"
        assert row.locator(".price").text_content() == "200.00"
        assert page.text_content("#balance-available") == "400.00"
        shots(page, "withdrawal-requested")

        page.goto(f"{base}/me/promoter/poster.png")
        shots(page, "poster")

    assert (withdrawal.owner_id, withdrawal.amount_fen, withdrawal.status) == (promoter.pk, 20000, "requested")
    assert LedgerAccount.objects.get(owner_kind=OwnerKind.PROMOTER, owner_id=promoter.pk,
                                     bucket=Bucket.AVAILABLE).balance_fen == 40000
