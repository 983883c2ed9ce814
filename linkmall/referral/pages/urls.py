from django.urls import include, path

from linkmall.referral.pages import guide_pay, invites, promoter_views

app_name = "referral"

urlpatterns = [
    path("me/promoter/", include("linkmall.referral.pages.promoter_urls")),
    path("ops/referral/", include("linkmall.referral.pages.operator_urls")),
    path("r/<str:code>/", promoter_views.share_visit, name="share_visit"),
    # invite tiers (阶梯邀请): linkmall/referral/pages/invites.py
    path("me/invites/", invites.progress, name="invite_progress"),
    path("me/invites/prizes/<int:prize_id>/claim/", invites.prize_claim, name="invite_prize_claim"),
    path("console/merchant/invites/", invites.console, name="invite_console"),
    path("console/merchant/invites/new/", invites.campaign_new, name="invite_new"),
    path("console/merchant/invites/export/", invites.console_export, name="invite_export"),
    path("console/merchant/invites/<int:campaign_id>/status/", invites.campaign_status, name="invite_status"),
    path("ops/referral/invites/", invites.ops_compliance, name="ops_invites"),
    # guides earn (导购提成 / 团队管理奖励): linkmall/referral/pages/guide_pay.py
    path("console/merchant/guide-pay/", guide_pay.console, name="guide_pay"),
    path("console/merchant/guide-pay/save/", guide_pay.save, name="guide_pay_save"),
    path("console/merchant/guide-pay/export/", guide_pay.export, name="guide_pay_export"),
    path("guide/earnings/", guide_pay.earnings, name="guide_earnings"),
]
