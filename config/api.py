"""The /api/v1 wiring: one router per app, mounted here. No business code."""

from linkmall.accounts.api import router as accounts_router
from linkmall.aftersales.api import router as aftersales_router
from linkmall.aftersales.redeem_api import router as redeem_router
from linkmall.aftersales.redemption_report_api import router as redemption_report_router
from linkmall.analytics.api import router as analytics_router
from linkmall.campaigns.api import router as campaigns_router
from linkmall.campaigns.api_bargain import router as bargain_router
from linkmall.campaigns.api_flash import router as flash_router
from linkmall.campaigns.api_group import router as group_buy_router
from linkmall.campaigns.api_layer import router as layer_offers_router
from linkmall.campaigns.api_loyalty import router as loyalty_router
from linkmall.campaigns.api_nearby import router as nearby_router
from linkmall.campaigns.api_share import router as share_router
from linkmall.cards.api import router as cards_router
from linkmall.catalog.api import router as catalog_router
from linkmall.core.api import build_api
from linkmall.customers.api import router as customers_router
from linkmall.customers.scoring.api import router as offers_router
from linkmall.ledger.api import router as ledger_router
from linkmall.orders.api import router as orders_router
from linkmall.orders.bargain_api import router as bargain_buy_router
from linkmall.orders.campaign_reports_api import router as campaign_reports_router
from linkmall.orders.flash_api import router as flash_attempts_router
from linkmall.orders.group_api import router as group_seats_router
from linkmall.payments.api import router as payments_router
from linkmall.payments.group_api import router as group_refunds_router
from linkmall.referral.api import router as referral_router
from linkmall.referral.guide_pay_api import router as guide_pay_router
from linkmall.referral.invite_api import router as invites_router
from linkmall.stores.api import router as stores_router

api = build_api()
api.add_router("/auth", accounts_router)
api.add_router("/catalog", catalog_router)
api.add_router("/stores", stores_router)
api.add_router("/customers", customers_router)
api.add_router("/customers/me/offers", offers_router)
api.add_router("/cards", cards_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/campaigns/invites", invites_router)  # in referral: activation runs the 2+1 compliance review
api.add_router("/campaigns/share", share_router)
api.add_router("/campaigns/loyalty", loyalty_router)
api.add_router("/campaigns", layer_offers_router)
api.add_router("/campaigns", flash_router)
api.add_router("/campaigns", flash_attempts_router)  # in orders: an attempt places the order
api.add_router("/campaigns", bargain_router)
api.add_router("/campaigns", bargain_buy_router)  # in orders: buying places the order
api.add_router("/campaigns", group_buy_router)
api.add_router("/campaigns", group_seats_router)  # in orders: opening or joining places the order
api.add_router("/campaigns", group_refunds_router)  # in payments: the retry of a failed group's refund
api.add_router("/campaigns/reports", campaign_reports_router)
api.add_router("/nearby", nearby_router)  # 附近门店与优惠 (docs/o2o.md)
api.add_router("/orders", orders_router)
api.add_router("/payments", payments_router)
api.add_router("/aftersales", aftersales_router)
api.add_router("/redeem", redeem_router)  # in aftersales: an open after-sales request refuses it
api.add_router("/redeem/report", redemption_report_router)  # in aftersales: it reads refunds
api.add_router("/referral/guide-pay", guide_pay_router)  # guides earn (docs/o2o.md)
api.add_router("/referral", referral_router)
api.add_router("/ledger", ledger_router)
api.add_router("/analytics/before-after", analytics_router)  # 转型成效 (docs/analytics.md)


@api.get("/health", tags=["ops"])
def health(request):
    return {"status": "ok"}
