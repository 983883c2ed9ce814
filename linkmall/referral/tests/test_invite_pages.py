"""Invite pages render: the inviter's progress with the next prize, the merchant console, the
operator's compliance list; activation of a headcount-pay campaign is refused with the reason."""

from decimal import Decimal

import pytest

from linkmall import testing as t
from linkmall.campaigns.models import CouponTemplate, InviteCampaign
from linkmall.campaigns.services import invites
from linkmall.referral.invites import invite_campaign_move
from linkmall.referral.models import QualifyingProduct

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    merchant = t.make_merchant()
    owner = t.make_merchant_owner(merchant)
    product = t.make_product(t.make_supplier(), name="口红", cost_fen=5000, price_fen=9900)
    listing = t.make_listing(merchant, product.skus.get(), price_fen=9900)
    template = CouponTemplate.objects.create(merchant=merchant, name="邀请礼", kind="amount", value=Decimal(500),
                                             total=10, valid_days=7, sources=["invite"], status="active")
    return merchant, owner, product, listing, template


def test_the_progress_page_says_how_many_more_friends_to_the_lipstick(client, shop):
    merchant, owner, product, listing, template = shop
    campaign = invites.invite_campaign_create(actor=owner, merchant=merchant, name="邀好友得口红", tiers=[
        {"invitees": 2, "prize_kind": "gift", "gift_listing_id": listing.pk}])
    invite_campaign_move(actor=owner, campaign_id=campaign.pk, status="active")
    client.force_login(t.make_consumer())
    page = client.get("/me/invites/")
    assert page.status_code == 200
    assert "再邀请 2 位好友即可获得 口红" in page.content.decode()
    assert "/r/" in page.content.decode()


def test_the_console_lists_creates_and_refuses_a_headcount_pay_activation(client, shop):
    merchant, owner, product, listing, template = shop
    QualifyingProduct.objects.create(product=product)
    client.force_login(owner)
    assert client.get("/console/merchant/invites/").status_code == 200
    created = client.post("/console/merchant/invites/new/", {
        "name": "礼包拉新", "counts": "products", "product_ids": str(product.pk),
        "tier1_invitees": "3", "tier1_prize": f"coupon:{template.pk}"})
    assert created.status_code == 302
    campaign = InviteCampaign.objects.get()
    page = client.get("/console/merchant/invites/").content.decode()
    assert "以发展人员数量为依据计酬" in page
    refused = client.post(f"/console/merchant/invites/{campaign.pk}/status/", {"status": "active"}, follow=True)
    assert "不能启用" in refused.content.decode()
    assert InviteCampaign.objects.get().status == "draft"
    bad = client.post("/console/merchant/invites/new/", {"name": "", "tier1_invitees": "3", "tier1_prize": ""})
    assert bad.status_code == 400 and InviteCampaign.objects.count() == 1


def test_the_operator_sees_invite_campaign_risks(client, shop):
    merchant, owner, product, listing, template = shop
    QualifyingProduct.objects.create(product=product)
    invites.invite_campaign_create(actor=owner, merchant=merchant, name="礼包拉新", counts="products",
                                   product_ids=[product.pk],
                                   tiers=[{"invitees": 3, "prize_kind": "coupon", "coupon_template_id": template.pk}])
    client.force_login(t.make_platform_user())
    page = client.get("/ops/referral/invites/")
    assert page.status_code == 200 and "invite_headcount_pay" in page.content.decode()


def test_the_console_exports_its_campaigns_as_csv_and_excel_with_the_same_rows(client, shop):
    import csv
    import io

    from openpyxl import load_workbook

    merchant, owner, product, listing, template = shop
    campaign = invites.invite_campaign_create(actor=owner, merchant=merchant, name="邀好友得口红", tiers=[
        {"invitees": 3, "prize_kind": "coupon", "coupon_template_id": template.pk},
        {"invitees": 5, "prize_kind": "gift", "gift_listing_id": listing.pk}])
    other = t.make_merchant()
    invites.invite_campaign_create(actor=t.make_merchant_owner(other), merchant=other, name="别家活动", tiers=[
        {"invitees": 1, "prize_kind": "gift", "gift_listing_id": t.make_listing(other, product.skus.get()).pk}])
    client.force_login(owner)

    page = client.get("/console/merchant/invites/").content.decode()
    assert 'href="/console/merchant/invites/export/?format=xlsx"' in page
    rows = list(csv.reader(io.StringIO(client.get("/console/merchant/invites/export/").content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get("/console/merchant/invites/export/?format=xlsx").content)).active

    data = [row for row in rows if row and row[0] == str(campaign.pk)]
    assert data == [[str(campaign.pk), "邀好友得口红", "草稿", "首单即计", "3: 邀请礼; 5: 口红", "0", "0", "0", "0"]]
    assert [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
            if row and row[0] == campaign.pk] == data
    assert "别家活动" not in str(rows)
