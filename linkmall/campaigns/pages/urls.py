"""Campaign pages, mounted at the site root: the wallet, a merchant's claim centre, the merchant console."""

from django.urls import path

from linkmall.campaigns.pages import (
    bargain_console,
    console,
    consumer,
    flash_console,
    group_console,
    loyalty,
    nearby,
    share,
    showcase,
)
from linkmall.campaigns.pages import layer_offers as layer

app_name = "campaigns"

urlpatterns = [
    path("me/coupons/", consumer.wallet, name="wallet"),
    path("shop/<int:merchant_id>/coupons/", consumer.claim_centre, name="claim_centre"),
    path("shop/<int:merchant_id>/offers/", showcase.shop_offers_fragment, name="shop_offers"),
    path("shop/<int:merchant_id>/nearby/", nearby.nearby_fragment, name="nearby"),
    path("console/merchant/campaigns/", console.console, name="console"),
    path("console/merchant/campaigns/promotions/new/", console.promotion_new, name="promotion_new"),
    path("console/merchant/campaigns/promotions/<int:promotion_id>/status/", console.promotion_status,
         name="promotion_status"),
    path("console/merchant/campaigns/coupons/new/", console.template_new, name="template_new"),
    path("console/merchant/campaigns/coupons/<int:template_id>/status/", console.template_status,
         name="template_status"),
    # layer offers (客户分层营销), guides' coupons, early access, the card's 专属优惠 block
    path("console/merchant/campaigns/layer-offers/", layer.layer_offers, name="layer_offers"),
    path("console/merchant/campaigns/layer-offers/settings/", layer.layer_offers_settings,
         name="layer_offers_settings"),
    path("console/merchant/campaigns/layer-offers/deliver/", layer.layer_offers_deliver_now,
         name="layer_offers_deliver"),
    path("console/merchant/campaigns/layer-offers/early-access/", layer.early_access_set, name="early_access_set"),
    path("console/merchant/campaigns/layer-offers/deliveries.csv", layer.layer_deliveries_csv,
         name="layer_deliveries_csv"),
    path("console/guide/customers/<int:profile_id>/coupon/", layer.guide_issue, name="guide_issue"),
    path("shop/<int:merchant_id>/early-access/", layer.early_access, name="early_access"),
    path("shop/<int:merchant_id>/my-offers/", layer.card_offers, name="card_offers"),
    # share-to-get (分享领券)
    path("shop/<int:merchant_id>/share/<int:campaign_id>/", share.share_landing, name="share_landing"),
    path("me/shares/", share.my_shares, name="my_shares"),
    path("shop/<int:merchant_id>/share-offer/", share.card_share_offer, name="card_share_offer"),
    path("me/shares/<int:campaign_id>/poster.png", share.share_poster, name="share_poster"),
    path("console/merchant/campaigns/share/", share.share_console, name="share_console"),
    path("console/merchant/campaigns/share/new/", share.share_new, name="share_new"),
    path("console/merchant/campaigns/share/<int:campaign_id>/status/", share.share_status, name="share_status"),
    path("console/merchant/campaigns/share/export.csv", share.share_export, name="share_export"),
    # loyalty (积分 / 会员等级 / 签到)
    path("me/points/", loyalty.my_points, name="my_points"),
    path("shop/<int:merchant_id>/points/", loyalty.shop_points, name="shop_points"),
    path("shop/<int:merchant_id>/points/signin/", loyalty.shop_signin, name="shop_signin"),
    path("console/merchant/campaigns/loyalty/", loyalty.loyalty_console, name="loyalty_console"),
    path("console/merchant/campaigns/loyalty/settings/", loyalty.loyalty_settings, name="loyalty_settings"),
    path("console/merchant/campaigns/loyalty/levels/new/", loyalty.level_new, name="level_new"),
    path("console/merchant/campaigns/loyalty/levels/<int:level_id>/delete/", loyalty.level_delete,
         name="level_delete"),
    # flash sales (秒杀); the hall and the buy button are the shop's pages (web)
    path("console/merchant/campaigns/flash/", flash_console.flash_console, name="flash_console"),
    path("console/merchant/campaigns/flash/new/", flash_console.flash_new, name="flash_new"),
    path("console/merchant/campaigns/flash/<int:sale_id>/status/", flash_console.flash_status, name="flash_status"),
    path("console/merchant/campaigns/flash/export.csv", flash_console.flash_export, name="flash_export"),
    # bargains (砍价); the shop's bargain pages are web's
    path("console/merchant/campaigns/bargains/", bargain_console.bargain_console, name="bargain_console"),
    path("console/merchant/campaigns/bargains/new/", bargain_console.bargain_new, name="bargain_new"),
    path("console/merchant/campaigns/bargains/<int:activity_id>/status/", bargain_console.bargain_status,
         name="bargain_status"),
    path("console/merchant/campaigns/bargains/export.csv", bargain_console.bargain_export, name="bargain_export"),
    # group buys (拼团); the shop's group pages are web's, the refund retry is payments'
    path("console/merchant/campaigns/group/", group_console.group_console, name="group_console"),
    path("console/merchant/campaigns/group/new/", group_console.group_new, name="group_new"),
    path("console/merchant/campaigns/group/<int:activity_id>/status/", group_console.group_status, name="group_status"),
    path("console/merchant/campaigns/group/<int:activity_id>/groups/", group_console.group_groups, name="group_groups"),
    path("console/merchant/campaigns/group/export.csv", group_console.group_export, name="group_export"),
]
