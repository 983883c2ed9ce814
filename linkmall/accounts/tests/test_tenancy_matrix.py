"""Every object belongs to a tenant: on every route that names an object, a user of another tenant
of the same kind gets "not found" (or "forbidden"), and nothing of the owner's changes.

The routes come from Django's URL resolver and from the API's OpenAPI schema. A route that takes an
object id must have a case in PAGE_CASES / API_CASES, or a reason in PUBLIC_PAGES / PUBLIC_API, or
`test_every_route_that_names_an_object_has_a_case_or_a_reason` fails: a new route cannot slip in
unguarded.

Two of everything are built (suppliers with staff and products, merchants with owners, stores,
guides, listings and customers, consumers with orders, addresses, cart lines, after-sales requests,
bookings and promoter withdrawals; campaigns: a member level, a running share-to-get campaign, a
running invite campaign with a coupon tier and a gift tier and a prize of each waiting, coupon
templates a guide, a share campaign and an invite tier may give). Side A owns the objects, side B
attacks with its own users.
"""

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.accounts.services.tokens import api_token_issue
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services.consumer import aftersale_request
from linkmall.campaigns.models import (
    Bargain,
    BargainActivity,
    BargainHelp,
    Coupon,
    CouponTemplate,
    FlashBuyer,
    FlashEntry,
    FlashSale,
    GroupBuy,
    GroupBuyBuyer,
    GroupBuyGroup,
    GroupBuyMember,
    GuideCoupon,
    InviteCampaign,
    InviteCredit,
    InvitePrize,
    InviteTier,
    LayerOfferDelivery,
    LayerOfferSettings,
    LoyaltySettings,
    MemberLevel,
    Membership,
    PointsAccount,
    PointsEntry,
    ShareCampaign,
    ShareClaim,
    ShareProgress,
    SignIn,
)
from linkmall.campaigns.models import Promotion as CampaignPromotion
from linkmall.campaigns.services import invites as invite_services
from linkmall.campaigns.services import loyalty, sharing
from linkmall.cards.models import Appointment, Card, CardHolding, Promotion, Question
from linkmall.catalog.models import ImportJob, Product, ProductImage, Sku
from linkmall.catalog.services.imports import import_job_store
from linkmall.core import clock
from linkmall.customers.models import Address, LayerRun, Note, Profile, ProfileTag, Reminder, Tag
from linkmall.ledger.models import Bucket, OwnerKind, Withdrawal
from linkmall.ledger.services import Line, account_get_or_create, posting_write
from linkmall.ledger.withdrawals import withdrawal_request
from linkmall.orders.campaign_reports import SUBJECTS as REPORT_SUBJECTS
from linkmall.orders.models import CartLine, Fulfilment, Order, OrderLine
from linkmall.orders.services import fulfilment_ship, order_place
from linkmall.orders.services.cart import cart_add
from linkmall.payments.models import Payment, Refund
from linkmall.payments.tests.helpers import pay
from linkmall.referral.invites import invite_campaign_move
from linkmall.referral.models import Promoter, ReferralPlan
from linkmall.stores.models import Guide, Listing, Store

pytestmark = pytest.mark.django_db

# What "nothing changed" looks at: every row of every model a route here can write.
WATCHED = [
    Product, ProductImage, Sku, ImportJob, Store, Guide, Listing, Promotion, Card, CardHolding, Appointment,
    Question, Address, Profile, Tag, ProfileTag, Note, Reminder, LayerRun, CartLine, Order, OrderLine, Fulfilment,
    Payment, Refund, AfterSaleRequest, Withdrawal, ReferralPlan, Promoter, User, CampaignPromotion, CouponTemplate,
    Coupon, PointsAccount, PointsEntry, LoyaltySettings, MemberLevel, Membership, SignIn, ShareCampaign, ShareProgress,
    ShareClaim, InviteCampaign, InviteTier, InviteCredit, InvitePrize, GuideCoupon, LayerOfferSettings,
    LayerOfferDelivery, FlashSale, FlashBuyer, FlashEntry, BargainActivity, Bargain, BargainHelp,
    GroupBuy, GroupBuyBuyer, GroupBuyGroup, GroupBuyMember,
]


@dataclass
class Side:
    """One tenant of each kind and the objects they own."""

    staff: User
    product: Product
    sku: Sku
    image: ProductImage
    import_job: ImportJob
    owner: User
    store: Store
    guide: Guide
    listing: Listing
    promotion: Promotion
    profile: Profile
    tag: Tag
    reminder: Reminder
    layer_run: LayerRun
    question: Question
    consumer: User
    address: Address
    order: Order  # paid and shipped
    unpaid: Order
    line: OrderLine
    fulfilment: Fulfilment
    cart_line: CartLine
    aftersale: AfterSaleRequest
    appointment: Appointment
    withdrawal: Withdrawal
    campaign_promotion: CampaignPromotion
    coupon_template: CouponTemplate  # claim centre, guides' coupons, a share campaign's friend coupon
    reward_template: CouponTemplate  # a share campaign's reward, an invite tier's coupon
    member_level: MemberLevel
    share_campaign: ShareCampaign  # active
    invite_campaign: InviteCampaign  # active: a coupon tier (1 invitee) and a gift tier (2)
    failed_prize: InvitePrize  # the coupon tier's prize, failed: the merchant may retry it
    gift_prize: InvitePrize  # the gift tier's prize, waiting for the inviter's address
    flash_sale: FlashSale  # active, its slot in an hour
    bargain_activity: BargainActivity  # active
    bargain: Bargain  # the consumer's, open
    group_buy: GroupBuy  # active
    group_member: GroupBuyMember  # the consumer's paid seat of a failed group, its refund refused


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (228, 57, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_side(label: str) -> Side:
    supplier = testing.make_supplier()
    staff = testing.make_supplier_staff(supplier)
    product = testing.make_product(supplier, stock=50)
    sku = product.skus.get()
    image = ProductImage.objects.create(product=product, image=png(f"{label}.png"))
    csv = SimpleUploadedFile("goods.csv", "商品名称,SKU编码\n".encode(), content_type="text/csv")
    import_job = import_job_store(supplier=supplier, upload=csv, created_by=staff, enqueue=False)

    merchant = testing.make_merchant()
    owner = testing.make_merchant_owner(merchant)
    store = testing.make_store(merchant)
    guide = testing.make_guide(store)
    card = Card.objects.create(guide=guide, headline="资深美妆顾问")
    listing = testing.make_listing(merchant, sku)
    promotion = Promotion.objects.create(merchant=merchant, title="双十一", ends_at=clock.now() + timedelta(days=7))

    consumer = testing.make_consumer()
    address = testing.make_address(consumer)
    order = order_place(buyer=consumer, merchant=merchant, lines=[(listing.pk, 2)], address=address,
                        client_token=f"{label}-paid", store=store, guide=guide)
    pay(order)
    line = order.lines.get()
    fulfilment_ship(actor=staff, fulfilment=line.fulfilment, carrier="SF", tracking_number="SF1234567890")
    order.refresh_from_db()
    unpaid = order_place(buyer=consumer, merchant=merchant, lines=[(listing.pk, 1)], address=address,
                         client_token=f"{label}-unpaid")
    cart_line = cart_add(user=consumer, listing=listing, quantity=1)
    aftersale = aftersale_request(actor=consumer, line=line, kind="refund_only", quantity=1, reason="不想要了")

    # paying made the buyer a customer of the merchant
    profile = Profile.objects.get(merchant=merchant, user=consumer)
    tag = Tag.objects.create(merchant=merchant, name="敏感肌")
    ProfileTag.objects.create(profile=profile, tag=tag)
    reminder = Reminder.objects.create(profile=profile, guide=guide, body="回访", due_at=clock.now() + timedelta(days=1))
    layer_run = LayerRun.objects.create(merchant=merchant, status=LayerRun.Status.DONE, progress=100)
    question = Question.objects.create(card=card, user=consumer, text="敏感肌能用吗？", handed_off=True)
    appointment = Appointment.objects.create(store=store, guide=guide, user=consumer,
                                             starts_at=clock.now() + timedelta(days=2), seat=1)
    Promoter.objects.create(user=consumer)
    posting_write(key=f"{label}-earned", kind="test", lines=[  # a promoter's earnings, from the gateway
        Line(account_get_or_create(owner_kind=OwnerKind.PROMOTER, owner_id=consumer.pk, bucket=Bucket.AVAILABLE),
             20000, True),
        Line(account_get_or_create(owner_kind=OwnerKind.GATEWAY, owner_id=0, bucket=Bucket.CASH), -20000, True),
    ])
    withdrawal = withdrawal_request(actor=consumer, owner_kind=OwnerKind.PROMOTER, owner_id=consumer.pk,
                                    amount_fen=10000, key=f"{label}-w1")
    campaign_promotion = CampaignPromotion.objects.create(merchant=merchant, name="满100减10", kind="amount", value=1000,
                                                          threshold_fen=10000, status="active")
    coupon_template = CouponTemplate.objects.create(merchant=merchant, name="无门槛5元券", kind="amount", value=500,
                                                    total=100, valid_days=7, sources=["claim", "guide", "share"],
                                                    status="active")
    reward_template = CouponTemplate.objects.create(merchant=merchant, name="分享奖励券", kind="amount", value=1000,
                                                    total=100, valid_days=7, sources=["share", "invite"],
                                                    status="active")
    member_level = loyalty.member_level_create(actor=owner, merchant=merchant, fields={
        "name": "金卡会员", "threshold_fen": 100000, "percent_off": Decimal(5)})
    share_campaign = sharing.share_campaign_create(
        actor=owner, merchant=merchant, name="邀好友领券", friend_template_id=coupon_template.pk,
        reward_template_id=reward_template.pk, friends_needed=3)
    share_campaign = sharing.share_campaign_set_status(actor=owner, campaign_id=share_campaign.pk, status="active")
    invite_campaign = invite_services.invite_campaign_create(actor=owner, merchant=merchant, name="邀好友得礼", tiers=[
        {"invitees": 1, "prize_kind": "coupon", "coupon_template_id": reward_template.pk},
        {"invitees": 2, "prize_kind": "gift", "gift_listing_id": listing.pk}])
    invite_campaign = invite_campaign_move(actor=owner, campaign_id=invite_campaign.pk, status="active")
    coupon_tier, gift_tier = invite_campaign.tiers.order_by("invitees")
    failed_prize = InvitePrize.objects.create(campaign=invite_campaign, inviter=consumer, tier=coupon_tier,
                                              status=InvitePrize.Status.FAILED, failure="coupon_sold_out")
    gift_prize = InvitePrize.objects.create(campaign=invite_campaign, inviter=consumer, tier=gift_tier,
                                            status=InvitePrize.Status.TO_CLAIM)
    flash_sale = FlashSale.objects.create(merchant=merchant, listing=listing, name="20点秒杀", price_fen=1,
                                          starts_at=clock.now() + timedelta(hours=1),
                                          ends_at=clock.now() + timedelta(hours=2), stock=5, status="active")
    bargain_activity = BargainActivity.objects.create(
        merchant=merchant, listing=listing, name="砍到底", start_fen=listing.price_fen, floor_fen=1, helpers_needed=1,
        starts_at=clock.now() - timedelta(hours=1), ends_at=clock.now() + timedelta(days=1), status="active")
    bargain = Bargain.objects.create(activity=bargain_activity, buyer=consumer, start_fen=listing.price_fen,
                                     floor_fen=1, cuts=[listing.price_fen - 1], price_fen=listing.price_fen,
                                     expires_at=clock.now() + timedelta(hours=24))
    group_buy = GroupBuy.objects.create(
        merchant=merchant, listing=listing, name="两人团", size=2, price_fen=1, stock=5, status="active",
        starts_at=clock.now() - timedelta(hours=1), ends_at=clock.now() + timedelta(days=1))
    failed_group = GroupBuyGroup.objects.create(activity=group_buy, leader=consumer, size=2, seats=1, paid=1,
                                                status="failed", deadline=clock.now())
    group_member = GroupBuyMember.objects.create(group=failed_group, buyer=consumer, order_id=order.pk, leader=True,
                                                 status="paid", refund_state="failed", unit_fen=1)
    return Side(
        staff=staff, product=product, sku=sku, image=image, import_job=import_job, owner=owner, store=store,
        guide=guide, listing=listing, promotion=promotion, profile=profile, tag=tag, reminder=reminder,
        layer_run=layer_run, question=question, consumer=consumer, address=address, order=order, unpaid=unpaid,
        line=line, fulfilment=line.fulfilment, cart_line=cart_line, aftersale=aftersale, appointment=appointment,
        withdrawal=withdrawal, campaign_promotion=campaign_promotion, coupon_template=coupon_template,
        reward_template=reward_template, member_level=member_level, share_campaign=share_campaign,
        invite_campaign=invite_campaign, failed_prize=failed_prize, gift_prize=gift_prize, flash_sale=flash_sale,
        bargain_activity=bargain_activity, bargain=bargain, group_buy=group_buy, group_member=group_member,
    )


def attackers_address(a: Side) -> Address:
    """The other side's consumer's own address: a valid address for the attacker, so only the check
    on the object the route names stands between them and the change."""
    return Address.objects.exclude(user=a.consumer).order_by("pk")[0]


@dataclass
class Case:
    """Who attacks (an attribute of side B naming a user; "guide" means the guide's login), where
    (built from side A), and with what body. Bodies are valid, so only the tenant check stands
    between the attacker and the change."""

    attacker: str
    url: object  # Callable[[Side], str]
    body: object = None  # dict, or Callable[[Side], dict] for a body that names objects
    refused: tuple[int, ...] = (403, 404)


# --- pages ------------------------------------------------------------------------------------

PAGE_CASES: dict[str, Case] = {
    # supplier console
    "console/supplier/products/<int:product_id>/": Case(
        "staff", lambda a: f"/console/supplier/products/{a.product.pk}/", {"name": "改名", "description": "x"}),
    "console/supplier/products/<int:product_id>/status/": Case(
        "staff", lambda a: f"/console/supplier/products/{a.product.pk}/status/", {"status": "archived"}),
    "console/supplier/products/<int:product_id>/images/": Case(
        "staff", lambda a: f"/console/supplier/products/{a.product.pk}/images/", lambda a: {"image": png()}),
    "console/supplier/products/<int:product_id>/skus/": Case(
        "staff", lambda a: f"/console/supplier/products/{a.product.pk}/skus/",
        {"new-code": "EVIL-1", "new-spec": "款9", "new-cost": "1", "new-suggested_price": "2", "new-stock": "5"}),
    "console/supplier/skus/<int:sku_id>/": Case(
        "staff", lambda a: f"/console/supplier/skus/{a.sku.pk}/",
        lambda a: {f"sku{a.sku.pk}-cost": "1", f"sku{a.sku.pk}-suggested_price": "2"}),
    "console/supplier/skus/<int:sku_id>/stock/": Case(
        "staff", lambda a: f"/console/supplier/skus/{a.sku.pk}/stock/", {"delta": "-10"}),
    "console/supplier/imports/<int:job_id>/": Case("staff", lambda a: f"/console/supplier/imports/{a.import_job.pk}/"),
    "console/supplier/fulfilments/<int:fulfilment_id>/ship/": Case(
        "staff", lambda a: f"/console/supplier/fulfilments/{a.fulfilment.pk}/ship/",
        {"carrier": "YTO", "tracking_number": "YT0000000001"}),
    "console/supplier/aftersales/<int:pk>/": Case("staff", lambda a: f"/console/supplier/aftersales/{a.aftersale.pk}/"),
    "console/supplier/aftersales/<int:pk>/<slug:action>/": Case(
        "staff", lambda a: f"/console/supplier/aftersales/{a.aftersale.pk}/approve/", {"note": "同意"}),
    # merchant console
    "console/merchant/listings/<int:listing_id>/": Case(
        "owner", lambda a: f"/console/merchant/listings/{a.listing.pk}/", {"price": "199", "pool": "0"}),
    "console/merchant/stores/<int:store_id>/": Case(
        "owner", lambda a: f"/console/merchant/stores/{a.store.pk}/",
        {"name": "改", "city": "杭州", "address": "某路", "latitude": "30.27", "longitude": "120.15"}),
    "console/merchant/guides/<int:guide_id>/toggle/": Case(
        "owner", lambda a: f"/console/merchant/guides/{a.guide.pk}/toggle/"),
    "console/merchant/promotions/<int:promotion_id>/": Case(
        "owner", lambda a: f"/console/merchant/promotions/{a.promotion.pk}/", {"title": "改", "ends_at": "2030-01-01"}),
    "console/merchant/promotions/<int:promotion_id>/delete/": Case(
        "owner", lambda a: f"/console/merchant/promotions/{a.promotion.pk}/delete/"),
    "console/merchant/campaigns/promotions/<int:promotion_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/promotions/{a.campaign_promotion.pk}/status/",
        {"status": "ended"}),
    "console/merchant/campaigns/coupons/<int:template_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/coupons/{a.coupon_template.pk}/status/", {"status": "ended"}),
    "console/merchant/aftersales/<int:pk>/": Case("owner", lambda a: f"/console/merchant/aftersales/{a.aftersale.pk}/"),
    "console/merchant/aftersales/<int:pk>/<slug:action>/": Case(
        "owner", lambda a: f"/console/merchant/aftersales/{a.aftersale.pk}/approve/", {"note": "同意"}),
    "console/customers/<int:profile_id>/": Case("owner", lambda a: f"/console/customers/{a.profile.pk}/"),
    "console/customers/<int:profile_id>/tags/": Case(
        "owner", lambda a: f"/console/customers/{a.profile.pk}/tags/", {"name": "高价值"}),
    "console/customers/<int:profile_id>/tags/<int:tag_id>/remove/": Case(
        "owner", lambda a: f"/console/customers/{a.profile.pk}/tags/{a.tag.pk}/remove/"),
    "console/customers/<int:profile_id>/notes/": Case(
        "owner", lambda a: f"/console/customers/{a.profile.pk}/notes/", {"body": "偷看"}),
    "console/customers/<int:profile_id>/reminders/": Case(
        "owner", lambda a: f"/console/customers/{a.profile.pk}/reminders/", {"body": "回访", "due_at": "2030-01-01T10:00"}),
    "console/customers/reminders/<int:reminder_id>/done/": Case(
        "guide", lambda a: f"/console/customers/reminders/{a.reminder.pk}/done/"),
    "console/layers/runs/<int:run_id>/changes/": Case("owner", lambda a: f"/console/layers/runs/{a.layer_run.pk}/changes/"),
    "console/layers/runs/<int:run_id>/changes.csv": Case(
        "owner", lambda a: f"/console/layers/runs/{a.layer_run.pk}/changes.csv"),
    "guide/questions/<int:question_id>/answer/": Case(
        "guide", lambda a: f"/guide/questions/{a.question.pk}/answer/", {"answer": "可以用"}),
    # consumer pages
    # the cart answers as for a line that is gone: back to the cart, with a message
    "cart/<int:line_id>/quantity/": Case(
        "consumer", lambda a: f"/cart/{a.cart_line.pk}/quantity/", {"quantity": "3"}, refused=(302,)),
    "cart/<int:line_id>/remove/": Case("consumer", lambda a: f"/cart/{a.cart_line.pk}/remove/", refused=(302,)),
    "orders/<str:number>/": Case("consumer", lambda a: f"/orders/{a.order.number}/"),
    "orders/<str:number>/pay/": Case("consumer", lambda a: f"/orders/{a.unpaid.number}/pay/"),
    "orders/<str:number>/cancel/": Case("consumer", lambda a: f"/orders/{a.unpaid.number}/cancel/"),
    "orders/<str:number>/receive/": Case("consumer", lambda a: f"/orders/{a.order.number}/receive/"),
    "orders/<str:number>/pickup-qr.png": Case("consumer", lambda a: f"/orders/{a.order.number}/pickup-qr.png"),
    # the 核销 page answers a refusal with its message, back on the page
    "staff/redeem/received/<int:order_id>/": Case(
        "guide", lambda a: f"/staff/redeem/received/{a.order.pk}/", refused=(302,)),
    "aftersales/new/<int:line_id>/": Case(
        "consumer", lambda a: f"/aftersales/new/{a.line.pk}/", {"kind": "refund_only", "quantity": "1", "reason": "x"}),
    "aftersales/<int:pk>/": Case("consumer", lambda a: f"/aftersales/{a.aftersale.pk}/"),
    "aftersales/<int:pk>/withdraw/": Case("consumer", lambda a: f"/aftersales/{a.aftersale.pk}/withdraw/"),
    "aftersales/<int:pk>/return/": Case(
        "consumer", lambda a: f"/aftersales/{a.aftersale.pk}/return/", {"carrier": "SF", "tracking_number": "SF99999999"}),
    "me/bookings/<int:appointment_id>/cancel/": Case("consumer", lambda a: f"/me/bookings/{a.appointment.pk}/cancel/"),
    "me/invites/prizes/<int:prize_id>/claim/": Case(
        "consumer", lambda a: f"/me/invites/prizes/{a.gift_prize.pk}/claim/",
        lambda a: {"address_id": str(attackers_address(a).pk)}),
    # campaigns: loyalty, share-to-get, invite tiers, reports, guides' coupons
    "console/merchant/campaigns/loyalty/levels/<int:level_id>/delete/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/loyalty/levels/{a.member_level.pk}/delete/"),
    "console/merchant/campaigns/share/<int:campaign_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/share/{a.share_campaign.pk}/status/", {"status": "paused"}),
    "console/merchant/campaigns/flash/<int:sale_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/flash/{a.flash_sale.pk}/status/", {"status": "paused"}),
    "console/merchant/campaigns/bargains/<int:activity_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/bargains/{a.bargain_activity.pk}/status/", {"status": "paused"}),
    "shop/<int:merchant_id>/bargain/<int:bargain_id>/buy/": Case(
        "consumer", lambda a: f"/shop/{a.bargain_activity.merchant_id}/bargain/{a.bargain.pk}/buy/",
        {"client_token": "evil-1"}),
    "shop/<int:merchant_id>/bargain/<int:bargain_id>/poster.png": Case(
        "consumer", lambda a: f"/shop/{a.bargain_activity.merchant_id}/bargain/{a.bargain.pk}/poster.png"),
    "console/merchant/campaigns/group/<int:activity_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/group/{a.group_buy.pk}/status/", {"status": "paused"}),
    "console/merchant/campaigns/group/<int:activity_id>/groups/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/group/{a.group_buy.pk}/groups/"),
    "console/merchant/campaigns/group/members/<int:member_id>/refund-retry/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/group/members/{a.group_member.pk}/refund-retry/"),
    "console/merchant/invites/<int:campaign_id>/status/": Case(
        "owner", lambda a: f"/console/merchant/invites/{a.invite_campaign.pk}/status/", {"status": "paused"}),
    # every kind of report: test_every_kind_of_campaign_report_refuses_another_tenant
    "console/merchant/campaigns/<slug:kind>/<int:campaign_id>/report/": Case(
        "owner", lambda a: f"/console/merchant/campaigns/coupon_template/{a.coupon_template.pk}/report/"),
    "console/guide/customers/<int:profile_id>/coupon/": Case(
        "guide", lambda a: f"/console/guide/customers/{a.profile.pk}/coupon/",
        lambda a: {"template": str(a.coupon_template.pk), "key": "evil-1"}),
    # platform operations: no tenant's staff gets in
    "ops/referral/plans/<int:plan_id>/": Case("owner", lambda a: f"/ops/referral/plans/{plan().pk}/"),
    "ops/referral/plans/<int:plan_id>/acknowledge/": Case(
        "owner", lambda a: f"/ops/referral/plans/{plan().pk}/acknowledge/", {"codes": "all"}),
    "ops/referral/plans/<int:plan_id>/go-live/": Case("owner", lambda a: f"/ops/referral/plans/{plan().pk}/go-live/"),
    "ops/referral/tree/<int:user_id>/<slug:relation>/": Case(
        "staff", lambda a: f"/ops/referral/tree/{a.consumer.pk}/referrals/"),
    "ops/withdrawals/<int:pk>/approve/": Case("consumer", lambda a: f"/ops/withdrawals/{a.withdrawal.pk}/approve/"),
    "ops/withdrawals/<int:pk>/reject/": Case(
        "consumer", lambda a: f"/ops/withdrawals/{a.withdrawal.pk}/reject/", {"reason": "x"}),
}

PUBLIC_PAGES: dict[str, str] = {
    "shop/<int:merchant_id>/flash/": "a merchant's flash-sale hall (秒杀) is public",
    "shop/<int:merchant_id>/flash/<int:sale_id>/buy/": "any consumer may try a running flash sale; it writes only "
                                                       "the caller's own order, at their own default address",
    "shop/<int:merchant_id>/flash/<int:sale_id>/wait/<str:ticket>/": "a buyer's own flash ticket (Redis path); "
                                                                    "anyone else's ticket is not found",
    "shop/<int:merchant_id>/bargains/": "a merchant's bargain activities (砍价) are public",
    "shop/<int:merchant_id>/bargains/<int:activity_id>/start/": "any consumer may start their own bargain",
    "shop/<int:merchant_id>/bargain/<int:bargain_id>/": "a bargain's page is meant to be shared with friends "
                                                        "(helpers' names are masked)",
    "shop/<int:merchant_id>/bargain/<int:bargain_id>/help/": "helping a friend's bargain is what its link is for; "
                                                             "it writes only the caller's own help",
    "shop/<int:merchant_id>/group-buys/<int:activity_id>/": "a shop's group buy (拼团) page is public",
    "shop/<int:merchant_id>/group-buys/<int:activity_id>/open/": "any consumer may open their own group; it writes "
                                                                 "only the caller's own order",
    "shop/<int:merchant_id>/group/<int:group_id>/": "a group's page is meant to be shared (members' names masked)",
    "shop/<int:merchant_id>/group/<int:group_id>/join/": "joining a group is what its link is for; it writes only "
                                                         "the caller's own order",
    "shop/<int:merchant_id>/group/<int:group_id>/poster.png": "a member's poster of their own group; anyone "
                                                              "else's is not found",
    "s/<int:store_id>/": "a store's shop home is public",
    "s/<int:store_id>/c/": "a store's categories are public",
    "s/<int:store_id>/c/<slug:slug>/": "a store's category page is public",
    "s/<int:store_id>/p/<int:product_id>/": "a store's product page is public",
    "s/<int:store_id>/p/<int:product_id>/recommend": "recommendations on a public product page",
    "card/<int:guide_id>/": "a guide's card is meant to be shared with anyone",
    "card/<int:guide_id>/qr.png": "the QR code of a public card",
    "card/<int:guide_id>/poster.png": "the share poster of a public card",
    "card/<int:guide_id>/vcard.vcf": "the contact file of a public card",
    "card/<int:guide_id>/avatar.png": "the avatar on a public card",
    "card/<int:guide_id>/save/": "any consumer may keep any card in their own card holder",
    "card/<int:guide_id>/remove/": "removes the card from the caller's own card holder",
    "card/<int:guide_id>/book/": "any consumer may book a store visit through a card",
    "card/<int:guide_id>/ask/": "anyone may ask a card's assistant",
    "console/merchant/catalog/<int:sku_id>/pick/": "merchants pick (选品) any supplier's SKU by design",
    "r/<str:code>/": "a promoter's share link is meant to be opened by anyone",
    "shop/<int:merchant_id>/coupons/": "a merchant's claim centre (领券中心) is public; a claim puts a coupon in the "
                                       "caller's own wallet",
    "shop/<int:merchant_id>/offers/": "a shop's live promotions and claimable coupons, a fragment of its public pages",
    "shop/<int:merchant_id>/nearby/": "a shop's stores nearest a point with their live offers (附近门店与优惠), a "
                                      "fragment of its public pages; the point is the caller's own",
    "shop/<int:merchant_id>/early-access/": "a shop's 新品抢先 teaser is public; only its core customers may buy",
    "shop/<int:merchant_id>/my-offers/": "the caller's own coupons at the shop of a public card (empty for others)",
    "shop/<int:merchant_id>/share-offer/": "a shop's running share-to-get offer, a fragment of its public card",
    "shop/<int:merchant_id>/share/<int:campaign_id>/": "a share campaign's landing is meant to be opened by anyone "
                                                       "(a draft, or another shop's campaign, is not found); a "
                                                       "claim puts the friend coupon in the caller's own wallet",
    "me/shares/<int:campaign_id>/poster.png": "the poster of the caller's own link to a campaign friends may see "
                                              "(a draft is not found)",
    "shop/<int:merchant_id>/points/": "the caller's own points, level and sign-ins at a shop; the id names the shop",
    "shop/<int:merchant_id>/points/signin/": "any consumer may sign in (签到) at a shop with sign-in on; it writes "
                                             "only the caller's own sign-in and points",
    "sandbox/pay/<str:out_trade_no>/": "the sandbox gateway's own cashier page (the payer's side), off outside the sandbox",
    "^media/(?P<path>.*)$": "uploaded files served by their unguessable names",
}
# Django's admin checks is_staff and model permissions on every page; tenant users are not staff.
PUBLIC_PAGE_PREFIXES = ("admin/",)


# --- API --------------------------------------------------------------------------------------

API_CASES: dict[str, Case] = {
    "POST /campaigns/merchant/group-buys/{activity_id}/status": Case(
        "owner", lambda a: f"/campaigns/merchant/group-buys/{a.group_buy.pk}/status", {"status": "paused"}),
    "GET /campaigns/merchant/group-buys/{activity_id}/groups": Case(
        "owner", lambda a: f"/campaigns/merchant/group-buys/{a.group_buy.pk}/groups"),
    "POST /campaigns/merchant/group-members/{member_id}/refund-retry": Case(
        "owner", lambda a: f"/campaigns/merchant/group-members/{a.group_member.pk}/refund-retry"),
    "POST /campaigns/merchant/flash-sales/{sale_id}/status": Case(
        "owner", lambda a: f"/campaigns/merchant/flash-sales/{a.flash_sale.pk}/status", {"status": "paused"}),
    "POST /campaigns/merchant/bargains/{activity_id}/status": Case(
        "owner", lambda a: f"/campaigns/merchant/bargains/{a.bargain_activity.pk}/status", {"status": "paused"}),
    "POST /campaigns/bargains/mine/{bargain_id}/buy": Case(
        "consumer", lambda a: f"/campaigns/bargains/mine/{a.bargain.pk}/buy",
        lambda a: {"address_id": attackers_address(a).pk, "client_token": "evil-1"}),
    "GET /catalog/products/{product_id}": Case("staff", lambda a: f"/catalog/products/{a.product.pk}"),
    "PATCH /catalog/products/{product_id}": Case("staff", lambda a: f"/catalog/products/{a.product.pk}", {"name": "改"}),
    "POST /catalog/products/{product_id}/archive": Case("staff", lambda a: f"/catalog/products/{a.product.pk}/archive"),
    "POST /catalog/products/{product_id}/restore": Case("staff", lambda a: f"/catalog/products/{a.product.pk}/restore"),
    "POST /catalog/products/{product_id}/images": Case(
        "staff", lambda a: f"/catalog/products/{a.product.pk}/images", lambda a: {"image": png()}),
    "DELETE /catalog/images/{image_id}": Case("staff", lambda a: f"/catalog/images/{a.image.pk}"),
    "POST /catalog/products/{product_id}/skus": Case(
        "staff", lambda a: f"/catalog/products/{a.product.pk}/skus",
        {"code": "EVIL-2", "spec": {"规格": "款9"}, "cost_fen": 100, "suggested_price_fen": 200, "stock": 5}),
    "GET /catalog/skus/{sku_id}": Case("staff", lambda a: f"/catalog/skus/{a.sku.pk}"),
    "PATCH /catalog/skus/{sku_id}": Case("staff", lambda a: f"/catalog/skus/{a.sku.pk}", {"cost_fen": 1}),
    "POST /catalog/skus/{sku_id}/stock": Case("staff", lambda a: f"/catalog/skus/{a.sku.pk}/stock", {"delta": -10}),
    "GET /catalog/imports/{job_id}": Case("staff", lambda a: f"/catalog/imports/{a.import_job.pk}"),
    "PATCH /stores/merchant/stores/{store_id}": Case("owner", lambda a: f"/stores/merchant/stores/{a.store.pk}", {"name": "改"}),
    "PATCH /stores/merchant/guides/{guide_id}": Case(
        "owner", lambda a: f"/stores/merchant/guides/{a.guide.pk}", {"is_active": False}),
    "GET /stores/merchant/listings/{listing_id}": Case("owner", lambda a: f"/stores/merchant/listings/{a.listing.pk}"),
    "PATCH /stores/merchant/listings/{listing_id}": Case(
        "owner", lambda a: f"/stores/merchant/listings/{a.listing.pk}", {"price_fen": 19900}),
    "DELETE /stores/merchant/listings/{listing_id}": Case("owner", lambda a: f"/stores/merchant/listings/{a.listing.pk}"),
    "GET /customers/addresses/{address_id}": Case("consumer", lambda a: f"/customers/addresses/{a.address.pk}"),
    "PATCH /customers/addresses/{address_id}": Case(
        "consumer", lambda a: f"/customers/addresses/{a.address.pk}", {"recipient": "李先生"}),
    "DELETE /customers/addresses/{address_id}": Case("consumer", lambda a: f"/customers/addresses/{a.address.pk}"),
    "POST /customers/addresses/{address_id}/default": Case(
        "consumer", lambda a: f"/customers/addresses/{a.address.pk}/default"),
    "POST /customers/profiles/reminders/{reminder_id}/done": Case(
        "guide", lambda a: f"/customers/profiles/reminders/{a.reminder.pk}/done"),
    "GET /customers/profiles/{profile_id}": Case("owner", lambda a: f"/customers/profiles/{a.profile.pk}"),
    "POST /customers/profiles/{profile_id}/notes": Case(
        "owner", lambda a: f"/customers/profiles/{a.profile.pk}/notes", {"body": "偷看"}),
    "POST /customers/profiles/{profile_id}/tags": Case(
        "owner", lambda a: f"/customers/profiles/{a.profile.pk}/tags", {"name": "高价值"}),
    "DELETE /customers/profiles/{profile_id}/tags/{tag_id}": Case(
        "owner", lambda a: f"/customers/profiles/{a.profile.pk}/tags/{a.tag.pk}"),
    "POST /customers/profiles/{profile_id}/reminders": Case(
        "owner", lambda a: f"/customers/profiles/{a.profile.pk}/reminders",
        {"body": "回访", "due_at": "2030-01-01T10:00:00+08:00"}),
    "POST /cards/bookings/{appointment_id}/cancel": Case(
        "consumer", lambda a: f"/cards/bookings/{a.appointment.pk}/cancel"),
    "POST /cards/questions/{question_id}/answer": Case(
        "guide", lambda a: f"/cards/questions/{a.question.pk}/answer", {"answer": "可以用"}),
    "PUT /orders/cart/{line_id}": Case("consumer", lambda a: f"/orders/cart/{a.cart_line.pk}", {"quantity": 3}),
    "DELETE /orders/cart/{line_id}": Case("consumer", lambda a: f"/orders/cart/{a.cart_line.pk}"),
    "GET /orders/{order_id}": Case("consumer", lambda a: f"/orders/{a.order.pk}"),
    "POST /orders/{order_id}/cancel": Case("consumer", lambda a: f"/orders/{a.unpaid.pk}/cancel"),
    "POST /orders/{order_id}/confirm-receipt": Case("consumer", lambda a: f"/orders/{a.order.pk}/confirm-receipt"),
    "POST /orders/supplier/fulfilments/{fulfilment_id}/ship": Case(
        "staff", lambda a: f"/orders/supplier/fulfilments/{a.fulfilment.pk}/ship",
        {"carrier": "YTO", "tracking_number": "YT0000000001"}),
    "GET /orders/merchant/orders/{order_id}": Case("owner", lambda a: f"/orders/merchant/orders/{a.order.pk}"),
    "POST /payments/orders/{order_id}/start": Case("consumer", lambda a: f"/payments/orders/{a.unpaid.pk}/start"),
    "POST /payments/orders/{order_id}/refunds": Case(
        "staff", lambda a: f"/payments/orders/{a.order.pk}/refunds",
        lambda a: {"lines": [{"line_id": a.line.pk, "quantity": 1}], "reason": "x", "idempotency_key": "evil-1"}),
    "GET /aftersales/requests/{request_id}": Case("consumer", lambda a: f"/aftersales/requests/{a.aftersale.pk}"),
    "POST /aftersales/requests/{request_id}/withdraw": Case(
        "consumer", lambda a: f"/aftersales/requests/{a.aftersale.pk}/withdraw"),
    "POST /aftersales/requests/{request_id}/return-shipment": Case(
        "consumer", lambda a: f"/aftersales/requests/{a.aftersale.pk}/return-shipment",
        {"carrier": "SF", "tracking_number": "SF99999999"}),
    "POST /aftersales/requests/{request_id}/approve": Case(
        "staff", lambda a: f"/aftersales/requests/{a.aftersale.pk}/approve", {"note": "同意"}),
    "POST /aftersales/requests/{request_id}/reject": Case(
        "owner", lambda a: f"/aftersales/requests/{a.aftersale.pk}/reject", {"note": "不同意"}),
    "POST /aftersales/requests/{request_id}/return-received": Case(
        "staff", lambda a: f"/aftersales/requests/{a.aftersale.pk}/return-received"),
    "GET /referral/me/withdrawals/{withdrawal_id}": Case(
        "consumer", lambda a: f"/referral/me/withdrawals/{a.withdrawal.pk}"),
    # platform operations: no tenant's staff gets in
    "GET /campaigns/merchant/promotions/{promotion_id}": Case(
        "owner", lambda a: f"/campaigns/merchant/promotions/{a.campaign_promotion.pk}"),
    "PATCH /campaigns/merchant/promotions/{promotion_id}": Case(
        "owner", lambda a: f"/campaigns/merchant/promotions/{a.campaign_promotion.pk}", {"name": "偷改"}),
    "POST /campaigns/merchant/promotions/{promotion_id}/status": Case(
        "owner", lambda a: f"/campaigns/merchant/promotions/{a.campaign_promotion.pk}/status", {"status": "ended"}),
    "GET /campaigns/merchant/coupon-templates/{template_id}": Case(
        "owner", lambda a: f"/campaigns/merchant/coupon-templates/{a.coupon_template.pk}"),
    "PATCH /campaigns/merchant/coupon-templates/{template_id}": Case(
        "owner", lambda a: f"/campaigns/merchant/coupon-templates/{a.coupon_template.pk}", {"total": 1}),
    "POST /campaigns/merchant/coupon-templates/{template_id}/status": Case(
        "owner", lambda a: f"/campaigns/merchant/coupon-templates/{a.coupon_template.pk}/status", {"status": "ended"}),
    "PUT /campaigns/loyalty/merchant/levels/{level_id}": Case(
        "owner", lambda a: f"/campaigns/loyalty/merchant/levels/{a.member_level.pk}",
        {"name": "偷改", "threshold_fen": 200000, "percent_off": "3"}),
    "DELETE /campaigns/loyalty/merchant/levels/{level_id}": Case(
        "owner", lambda a: f"/campaigns/loyalty/merchant/levels/{a.member_level.pk}"),
    "GET /campaigns/share/merchant/campaigns/{campaign_id}": Case(
        "owner", lambda a: f"/campaigns/share/merchant/campaigns/{a.share_campaign.pk}"),
    "PATCH /campaigns/share/merchant/campaigns/{campaign_id}": Case(
        "owner", lambda a: f"/campaigns/share/merchant/campaigns/{a.share_campaign.pk}", {"name": "偷改"}),
    "POST /campaigns/share/merchant/campaigns/{campaign_id}/status": Case(
        "owner", lambda a: f"/campaigns/share/merchant/campaigns/{a.share_campaign.pk}/status", {"status": "paused"}),
    "GET /campaigns/invites/merchant/{campaign_id}": Case(
        "owner", lambda a: f"/campaigns/invites/merchant/{a.invite_campaign.pk}"),
    "PATCH /campaigns/invites/merchant/{campaign_id}": Case(
        "owner", lambda a: f"/campaigns/invites/merchant/{a.invite_campaign.pk}", {"name": "偷改"}),
    "GET /campaigns/invites/merchant/{campaign_id}/review": Case(
        "owner", lambda a: f"/campaigns/invites/merchant/{a.invite_campaign.pk}/review"),
    "POST /campaigns/invites/merchant/{campaign_id}/status": Case(
        "owner", lambda a: f"/campaigns/invites/merchant/{a.invite_campaign.pk}/status", {"status": "paused"}),
    "POST /campaigns/invites/merchant/prizes/{prize_id}/retry": Case(
        "owner", lambda a: f"/campaigns/invites/merchant/prizes/{a.failed_prize.pk}/retry"),
    "POST /campaigns/invites/me/prizes/{prize_id}/claim": Case(
        "consumer", lambda a: f"/campaigns/invites/me/prizes/{a.gift_prize.pk}/claim",
        lambda a: {"address_id": attackers_address(a).pk}),
    # every kind of report: test_every_kind_of_campaign_report_refuses_another_tenant
    "GET /campaigns/reports/{kind}/{campaign_id}": Case(
        "owner", lambda a: f"/campaigns/reports/coupon_template/{a.coupon_template.pk}"),
    "PUT /campaigns/merchant/listings/{listing_id}/early-access": Case(
        "owner", lambda a: f"/campaigns/merchant/listings/{a.listing.pk}/early-access",
        lambda a: {"until": (clock.now() + timedelta(days=3)).isoformat()}),
    "GET /campaigns/guide/customers/{profile_id}/coupon-templates": Case(
        "guide", lambda a: f"/campaigns/guide/customers/{a.profile.pk}/coupon-templates"),
    "POST /campaigns/guide/customers/{profile_id}/coupons": Case(
        "guide", lambda a: f"/campaigns/guide/customers/{a.profile.pk}/coupons",
        lambda a: {"template_id": a.coupon_template.pk, "key": "evil-1"}),
    "POST /referral/ops/plans/{plan_id}/acknowledge": Case(
        "owner", lambda a: f"/referral/ops/plans/{plan().pk}/acknowledge", {"codes": []}),
    "POST /referral/ops/plans/{plan_id}/go-live": Case("owner", lambda a: f"/referral/ops/plans/{plan().pk}/go-live"),
    "GET /referral/ops/users/{user_id}/graph": Case("staff", lambda a: f"/referral/ops/users/{a.consumer.pk}/graph"),
    "POST /referral/ops/withdrawals/{withdrawal_id}/approve": Case(
        "consumer", lambda a: f"/referral/ops/withdrawals/{a.withdrawal.pk}/approve"),
    "POST /referral/ops/withdrawals/{withdrawal_id}/reject": Case(
        "consumer", lambda a: f"/referral/ops/withdrawals/{a.withdrawal.pk}/reject", {"reason": "x"}),
}

PUBLIC_API: dict[str, str] = {
    "GET /stores/{merchant_id}/pickup-stores": "a shop's pick-up stores (到店自提) are public, like its store list",
    "GET /campaigns/group-buys/{activity_id}": "a running group buy (拼团) and its open groups are public",
    "GET /campaigns/groups/{group_id}": "a group is meant to be shared (members' names masked)",
    "POST /campaigns/group-buys/{activity_id}/open": "any consumer may open their own group; it writes only the "
                                                     "caller's own order, at an address that must be their own",
    "POST /campaigns/groups/{group_id}/join": "joining a group is what its link is for; it writes only the caller's "
                                              "own order, at an address that must be their own",
    "POST /campaigns/flash/{sale_id}/attempts": "any consumer may try a running flash sale; it writes only the "
                                               "caller's own order, at an address that must be their own",
    "GET /campaigns/flash/{sale_id}/attempts/{ticket}": "a buyer's own flash ticket (Redis path): the order is "
                                                        "looked up by the caller and the ticket; anyone else's is "
                                                        "not found",
    "POST /campaigns/bargains/{activity_id}/start": "any consumer may start their own bargain",
    "GET /campaigns/bargains/mine/{bargain_id}": "a bargain is meant to be shared with friends (helpers' names masked)",
    "POST /campaigns/bargains/mine/{bargain_id}/help": "helping a friend's bargain is what its link is for; it writes "
                                                       "only the caller's own help",
    "GET /campaigns/merchants/{merchant_id}/coupons": "a merchant's claim centre (领券中心) is public",
    "POST /campaigns/coupon-templates/{template_id}/claim": "any consumer may claim a coupon into their own wallet",
    "GET /campaigns/share/{campaign_id}": "a share campaign's landing is meant to be opened by anyone (a draft is not "
                                          "found)",
    "POST /campaigns/share/{campaign_id}/claim": "any consumer may claim a running campaign's friend coupon into their "
                                                 "own wallet through a sharer's code",
    "GET /campaigns/share/me/{campaign_id}": "the caller's own progress in a campaign friends may see (a draft is not "
                                             "found)",
    "GET /campaigns/loyalty/merchants/{merchant_id}/me": "the caller's own points and level at a shop; the id names "
                                                         "the shop",
    "GET /campaigns/loyalty/merchants/{merchant_id}/me/history": "the caller's own points history at a shop; the id "
                                                                 "names the shop",
    "POST /campaigns/loyalty/merchants/{merchant_id}/signin": "any consumer may sign in (签到) at a shop with sign-in "
                                                              "on; it writes only the caller's own sign-in and points",
    "GET /stores/{store_id}": "a store is public",
    "GET /stores/{store_id}/home": "a store's shop home is public",
    "GET /stores/{store_id}/categories/{slug}": "a store's category page is public",
    "GET /stores/{store_id}/products/{product_id}": "a store's product page is public",
    "GET /cards/{guide_id}": "a guide's card is meant to be shared with anyone",
    "PUT /cards/{guide_id}/hold": "any consumer may keep any card in their own card holder",
    "DELETE /cards/{guide_id}/hold": "removes the card from the caller's own card holder",
    "POST /cards/{guide_id}/ask": "anyone may ask a card's assistant",
    "GET /cards/{guide_id}/questions": "the caller's own questions on a public card (scoped to their visitor)",
}


# --- the routes as the site has them ----------------------------------------------------------


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def page_routes_naming_an_object() -> set[str]:
    return {route for route in _patterns(get_resolver().url_patterns)
            if not route.startswith("api/") and ("<" in route or "(?P" in route)}


def api_operations_naming_an_object() -> set[str]:
    from config.api import api

    operations = set()
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "{" in path:
            operations |= {f"{method.upper()} {path.removeprefix('/api/v1')}" for method in methods}
    return operations


def plan() -> ReferralPlan:
    """A draft of the mall's reward plan (platform-wide: no tenant owns it)."""
    return (ReferralPlan.objects.filter(status=ReferralPlan.Status.DRAFT).order_by("pk").first()
            or ReferralPlan.objects.create(config={}))


def snapshot() -> dict:
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in WATCHED}


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@pytest.fixture
def sides(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_side("a"), make_side("b")


def attacker_of(side: Side, name: str) -> User:
    return side.guide.user if name == "guide" else getattr(side, name)


def body_for(case: Case, side: Side):
    return case.body(side) if callable(case.body) else case.body


# --- the tests ----------------------------------------------------------------------------------


def test_every_route_that_names_an_object_has_a_case_or_a_reason():
    pages = page_routes_naming_an_object()
    unguarded_pages = sorted(route for route in pages - PAGE_CASES.keys() - PUBLIC_PAGES.keys()
                             if not route.startswith(PUBLIC_PAGE_PREFIXES))
    operations = api_operations_naming_an_object()
    unguarded_operations = sorted(operations - API_CASES.keys() - PUBLIC_API.keys())

    assert unguarded_pages == []
    assert unguarded_operations == []
    # and no case or reason outlives its route
    assert sorted((PAGE_CASES.keys() | PUBLIC_PAGES.keys()) - pages) == []
    assert sorted((API_CASES.keys() | PUBLIC_API.keys()) - operations) == []


def test_another_tenants_user_gets_not_found_on_every_page_and_nothing_changes(client, sides):
    a, b = sides
    failures = []
    for route, case in PAGE_CASES.items():
        url = case.url(a)
        client.force_login(attacker_of(b, case.attacker))
        before = snapshot()
        got = {"GET": client.get(url).status_code, "POST": client.post(url, body_for(case, a) or {}).status_code}
        # 405: the route does not take this method and so reads or writes nothing with it
        if any(status not in (*case.refused, 405) for status in got.values()) or set(got.values()) == {405}:
            failures.append(f"{route} as B's {case.attacker}: {got}")
        if changed := changes(before, snapshot()):
            failures.append(f"{route} as B's {case.attacker} changed {changed}")

    assert failures == [], "\n".join(failures)


def test_another_tenants_user_gets_not_found_on_every_api_operation_and_nothing_changes(client, sides):
    a, b = sides
    tokens = {name: api_token_issue(user=attacker_of(b, name)) for name in ("staff", "owner", "guide", "consumer")}
    failures = []
    for operation, case in API_CASES.items():
        method, _ = operation.split(" ", 1)
        url = "/api/v1" + case.url(a)
        body = body_for(case, a)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[case.attacker]}"}
        before = snapshot()
        if method == "GET":
            response = client.get(url, **headers)
        elif body is not None and any(isinstance(value, SimpleUploadedFile) for value in body.values()):
            response = client.post(url, body, **headers)  # multipart
        else:
            response = client.generic(method, url, json.dumps(body or {}), content_type="application/json", **headers)
        if response.status_code not in case.refused:
            failures.append(f"{operation} as B's {case.attacker}: {response.status_code} {response.content[:120]!r}")
        elif set(response.json()) != {"code", "message", "detail"}:
            failures.append(f"{operation} as B's {case.attacker}: error body {response.json()}")
        if changed := changes(before, snapshot()):
            failures.append(f"{operation} as B's {case.attacker} changed {changed}")

    assert failures == [], "\n".join(failures)


def test_the_owner_side_can_use_the_named_routes_so_the_refusals_above_mean_something(client, sides):
    """The same requests from A's own users succeed, so B's 404s come from the tenant check and
    not from a body or a state that would be refused anyway."""
    a, _ = sides
    client.force_login(a.staff)
    response = client.post(f"/console/supplier/products/{a.product.pk}/images/", {"image": png()})
    assert response.status_code == 302
    assert a.product.images.count() == 2
    response = client.post(f"/console/supplier/products/{a.product.pk}/skus/", PAGE_CASES[
        "console/supplier/products/<int:product_id>/skus/"].body)
    assert response.status_code == 302
    assert a.product.skus.filter(code="EVIL-1").exists()

    client.force_login(a.owner)
    assert client.post(f"/console/merchant/guides/{a.guide.pk}/toggle/").status_code == 302
    a.guide.refresh_from_db()
    assert a.guide.is_active is False

    client.force_login(a.consumer)
    assert client.post(f"/orders/{a.order.number}/receive/").status_code in (200, 302)
    a.order.refresh_from_db()
    assert a.order.status == Order.Status.COMPLETED

    token = api_token_issue(user=a.staff)
    response = client.post(f"/api/v1/catalog/products/{a.product.pk}/images", {"image": png()},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201
    assert a.product.images.count() == 3


# the campaign each kind of report (orders.campaign_reports) names, in side A
REPORT_KINDS = {
    "promotion": lambda a: a.campaign_promotion.pk,
    "coupon_template": lambda a: a.coupon_template.pk,
    "share": lambda a: a.share_campaign.pk,
    "invite": lambda a: a.invite_campaign.pk,
    "flash": lambda a: a.flash_sale.pk,
    "bargain": lambda a: a.bargain_activity.pk,
    "group": lambda a: a.group_buy.pk,
}


def test_every_kind_of_campaign_report_refuses_another_tenant(client, sides):
    """The report routes take a kind, and each kind resolves its campaign with its own check: every
    kind registered is tried, so a new kind of report needs its campaign here."""
    assert sorted(REPORT_SUBJECTS) == sorted(REPORT_KINDS)
    a, b = sides
    tokens = {side.owner.pk: api_token_issue(user=side.owner) for side in (a, b)}
    for kind, campaign_id in REPORT_KINDS.items():
        page = f"/console/merchant/campaigns/{kind}/{campaign_id(a)}/report/"
        api = f"/api/v1/campaigns/reports/{kind}/{campaign_id(a)}"
        got = {}
        for side in (b, a):
            client.force_login(side.owner)
            got[side is a] = (client.get(page).status_code,
                              client.get(api, HTTP_AUTHORIZATION=f"Bearer {tokens[side.owner.pk]}").status_code)
        assert got == {False: (404, 404), True: (200, 200)}, kind


def test_the_owner_side_can_use_the_campaign_pages_so_the_refusals_above_mean_something(client, sides):
    a, _ = sides
    own_address = {"address_id": str(a.address.pk)}  # the case's body names the attacker's own address
    steps = [  # route, body (None: a GET), status
        ("console/merchant/campaigns/<slug:kind>/<int:campaign_id>/report/", None, 200),
        ("console/guide/customers/<int:profile_id>/coupon/", None, 200),
        ("console/guide/customers/<int:profile_id>/coupon/", ..., 302),
        ("console/merchant/campaigns/share/<int:campaign_id>/status/", ..., 302),
        ("console/merchant/invites/<int:campaign_id>/status/", ..., 302),
        ("me/invites/prizes/<int:prize_id>/claim/", own_address, 302),
        ("console/merchant/campaigns/loyalty/levels/<int:level_id>/delete/", ..., 302),
    ]
    for route, body, status in steps:
        case = PAGE_CASES[route]
        client.force_login(attacker_of(a, case.attacker))
        if body is None:
            response = client.get(case.url(a))
        else:
            response = client.post(case.url(a), (body_for(case, a) or {}) if body is ... else body)
        assert response.status_code == status, (route, response.status_code)

    assert GuideCoupon.objects.filter(profile=a.profile, coupon__template=a.coupon_template).count() == 1
    assert ShareCampaign.objects.get(pk=a.share_campaign.pk).status == "paused"
    assert InviteCampaign.objects.get(pk=a.invite_campaign.pk).status == "paused"
    assert InvitePrize.objects.get(pk=a.gift_prize.pk).status == InvitePrize.Status.ORDERED
    assert not MemberLevel.objects.filter(pk=a.member_level.pk).exists()


def test_the_owner_side_can_use_the_campaign_api_so_the_refusals_above_mean_something(client, sides):
    a, _ = sides
    steps = [  # operation, status (in an order where each step finds what it needs)
        ("GET /campaigns/share/merchant/campaigns/{campaign_id}", 200),
        ("PATCH /campaigns/share/merchant/campaigns/{campaign_id}", 200),
        ("POST /campaigns/share/merchant/campaigns/{campaign_id}/status", 200),
        ("GET /campaigns/invites/merchant/{campaign_id}", 200),
        ("PATCH /campaigns/invites/merchant/{campaign_id}", 200),
        ("GET /campaigns/invites/merchant/{campaign_id}/review", 200),
        ("POST /campaigns/invites/merchant/{campaign_id}/status", 200),
        ("POST /campaigns/invites/merchant/prizes/{prize_id}/retry", 200),
        ("POST /campaigns/invites/me/prizes/{prize_id}/claim", 200),
        ("GET /campaigns/reports/{kind}/{campaign_id}", 200),
        ("PUT /campaigns/merchant/listings/{listing_id}/early-access", 200),
        ("GET /campaigns/guide/customers/{profile_id}/coupon-templates", 200),
        ("POST /campaigns/guide/customers/{profile_id}/coupons", 201),
        ("PUT /campaigns/loyalty/merchant/levels/{level_id}", 200),
        ("DELETE /campaigns/loyalty/merchant/levels/{level_id}", 204),
    ]
    assert {operation for operation, _status in steps} <= API_CASES.keys()
    for operation, status in steps:
        method, _ = operation.split(" ", 1)
        case = API_CASES[operation]
        body = body_for(case, a)
        if operation == "POST /campaigns/invites/me/prizes/{prize_id}/claim":
            body = {"address_id": a.address.pk}  # the case's body names the attacker's own address
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=attacker_of(a, case.attacker))}"}
        data = json.dumps(body) if body is not None else ""
        response = client.generic(method, "/api/v1" + case.url(a), data, content_type="application/json", **headers)
        assert response.status_code == status, (operation, response.status_code, response.content[:200])

    assert ShareCampaign.objects.get(pk=a.share_campaign.pk).name == "偷改"
    assert InviteCampaign.objects.get(pk=a.invite_campaign.pk).name == "偷改"
    assert InvitePrize.objects.get(pk=a.failed_prize.pk).status == InvitePrize.Status.ISSUED
    assert InvitePrize.objects.get(pk=a.gift_prize.pk).status == InvitePrize.Status.ORDERED
    assert Listing.objects.get(pk=a.listing.pk).early_access_until is not None
    assert GuideCoupon.objects.filter(profile=a.profile).count() == 1
    assert not MemberLevel.objects.filter(pk=a.member_level.pk).exists()


def test_the_redemption_report_refuses_another_merchants_store(client, sides):
    """The redemption report (aftersales.redemption_report) names its store in the query string, so
    the route matrix above does not see it: another merchant's owner and another store's guide get
    404 on the page and the API for side A's store, and the owner side gets 200."""
    a, b = sides
    page = "/console/merchant/redemptions/report/"
    api = "/api/v1/redeem/report"
    for user, status in [(b.owner, 404), (b.guide.user, 404), (a.guide.user, 200), (a.owner, 200)]:
        client.force_login(user)
        token = api_token_issue(user=user)
        got = (client.get(page, {"store": a.store.pk}).status_code,
               client.get(api, {"store_id": a.store.pk}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code,
               client.get(api, {"store_id": a.store.pk, "format": "csv"}, HTTP_AUTHORIZATION=f"Bearer {token}")
               .status_code)
        assert got == (status, status, status), (user.role, got)
    for user in (a.consumer, a.staff):
        client.force_login(user)
        token = api_token_issue(user=user)
        assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


def test_the_before_after_table_refuses_another_merchants_store(client, sides):
    """The before/after table (analytics.before_after, 转型成效) names its store in the query string,
    so the route matrix above does not see it: another merchant's owner gets 404 on the page, its
    download and the API for side A's store; the owner side gets 200; guides and consumers 403."""
    a, b = sides
    page = "/console/merchant/analytics/before-after/"
    api = "/api/v1/analytics/before-after"
    for user, status in [(b.owner, 404), (a.owner, 200)]:
        client.force_login(user)
        token = api_token_issue(user=user)
        got = (client.get(page, {"store": a.store.pk}).status_code,
               client.get(page, {"store": a.store.pk, "format": "xlsx"}).status_code,
               client.get(api, {"store_id": a.store.pk}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code)
        assert got == (status, status, status), (user.role, got)
    for user in (a.consumer, a.guide.user, a.staff):
        client.force_login(user)
        token = api_token_issue(user=user)
        assert client.get(page).status_code == 403
        assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
