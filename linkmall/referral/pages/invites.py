"""Invite tiers (阶梯邀请) pages: the inviter's progress (/me/invites/), the merchant console
(/console/merchant/invites/) and the operator's compliance list (/ops/referral/invites/).

In referral because activation runs the 2+1 compliance review (`referral.invites`). Thin: parse
the form, call one service, render or redirect."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import consumer_required, role_required
from linkmall.campaigns.models import CampaignStatus, CouponTemplate, InviteCampaign, InviteCounts, InviteTier
from linkmall.campaigns.selectors import invites as selectors
from linkmall.campaigns.services import invites as services
from linkmall.campaigns.services._common import MOVES
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.tables import Table, table_download
from linkmall.customers.selectors import address_list
from linkmall.referral import invites
from linkmall.referral.pages.operator_views import SEVERITY_LABELS
from linkmall.referral.sharing import share_url_for
from linkmall.stores.models import Listing, Merchant

TIER_ROWS = 3
#: rows in a console export
EXPORT_SIZE = 10_000
merchant_owner = role_required(Role.MERCHANT_OWNER)
platform_required = role_required(Role.PLATFORM)


def _risks(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**r, "severity_label": str(SEVERITY_LABELS.get(r["severity"], r["severity"]))} for r in rows]


# --- the inviter -----------------------------------------------------------------------------------


@require_GET
@consumer_required
def progress(request: UserRequest) -> HttpResponse:
    user = request.user
    context = {"progress": selectors.invite_progress(user=user), "addresses": address_list(user=user),
               "share_url": request.build_absolute_uri(share_url_for(user_id=user.pk))}
    return render(request, "referral/invites/progress.html", context)


@require_POST
@consumer_required
def prize_claim(request: UserRequest, prize_id: int) -> HttpResponse:
    try:
        address_id = int(request.POST.get("address_id", ""))
        invites.invite_prize_claim(user=request.user, prize_id=prize_id, address_id=address_id)
    except ValueError:
        messages.error(request, _("请选择收货地址。"))
    except NotFound:
        raise Http404("No such prize.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("赠品已下单，商家发货后可在订单中查看物流。"))
    return redirect("referral:invite_progress")


# --- the merchant console --------------------------------------------------------------------------


def _merchant(request: UserRequest) -> Merchant:
    merchant = Merchant.objects.filter(pk=request.user.tenant_id).first()
    if merchant is None:
        raise Http404("No merchant.")
    return merchant


def _moves(status: str) -> list[tuple[str, str]]:
    labels = {CampaignStatus.ACTIVE: _("启用"), CampaignStatus.PAUSED: _("暂停"), CampaignStatus.ENDED: _("结束")}
    return [(move, labels[CampaignStatus(move)]) for move in (CampaignStatus.ACTIVE, CampaignStatus.PAUSED,
                                                              CampaignStatus.ENDED) if move in MOVES[status]]


def _console(request: UserRequest, *, errors: list[str] | None = None, posted: dict[str, Any] | None = None,
             status: int = 200) -> HttpResponse:
    merchant = _merchant(request)
    rows = [{"obj": c, "moves": _moves(c.status), "risks": _risks(c.compliance),
             "review": _risks(invites.invite_campaign_review(campaign=c)) if c.status != "ended" else []}
            for c in selectors.invite_campaign_list(actor=request.user).prefetch_related(
                "tiers__coupon_template", "tiers__gift_listing__product")[:100]]
    context = {
        "campaigns": rows, "errors": errors or [], "posted": posted or {}, "nav": "campaigns",
        "tier_rows": range(1, TIER_ROWS + 1), "counts": InviteCounts.choices,
        "templates": CouponTemplate.objects.filter(merchant=merchant).exclude(status="ended").order_by("-pk")[:100],
        "listings": Listing.objects.filter(merchant=merchant, is_active=True).select_related("product")
        .order_by("-pk")[:100],
    }
    return render(request, "referral/invites/console.html", context, status=status)


def _tiers_from(post: Any) -> list[dict[str, Any]]:
    tiers = []
    for n in range(1, TIER_ROWS + 1):
        invitees = (post.get(f"tier{n}_invitees") or "").strip()
        if not invitees:
            continue
        prize = post.get(f"tier{n}_prize") or ""
        kind, _sep, pk = prize.partition(":")
        tiers.append({"invitees": int(invitees) if invitees.isdigit() else invitees, "prize_kind": kind,
                      "coupon_template_id": int(pk) if kind == "coupon" and pk.isdigit() else None,
                      "gift_listing_id": int(pk) if kind == "gift" and pk.isdigit() else None})
    return tiers


@require_GET
@merchant_owner
def console(request: UserRequest) -> HttpResponse:
    return _console(request)


def _prize_name(tier: InviteTier) -> str:
    if tier.gift_listing is not None:
        return tier.gift_listing.product.name
    return tier.coupon_template.name if tier.coupon_template is not None else ""


@require_GET
@merchant_owner
def console_export(request: UserRequest) -> HttpResponse:
    """The invite campaigns with their tiers and counts, as CSV (?format=xlsx for Excel)."""
    rows = []
    for c in selectors.invite_campaign_list(actor=request.user).prefetch_related(
            "tiers__coupon_template", "tiers__gift_listing__product")[:EXPORT_SIZE]:
        tiers = "; ".join(f"{tier.invitees}: {_prize_name(tier)}" for tier in c.tiers.all())
        n = selectors.invite_counts_of(c)
        rows.append([c.pk, c.name, c.get_status_display(), c.get_counts_display(), tiers, n.counted, n.refunded,
                     n.inviters, n.prizes])
    table = Table(title=_("邀请有礼活动"), rows=rows, header=[
        _("编号"), _("名称"), _("状态"), _("计入方式"), _("阶梯"), _("计入好友"), _("退款好友"), _("邀请人"),
        _("已发奖品")])
    return table_download(table, fmt="xlsx" if request.GET.get("format") == "xlsx" else "csv", filename="invite-campaigns")


@require_POST
@merchant_owner
def campaign_new(request: UserRequest) -> HttpResponse:
    post = request.POST
    ids = [int(pk) for pk in (post.get("product_ids") or "").replace("，", ",").split(",") if pk.strip().isdigit()]
    try:
        services.invite_campaign_create(actor=request.user, merchant=_merchant(request),
                                        name=post.get("name", ""), counts=post.get("counts", ""), product_ids=ids,
                                        tiers=_tiers_from(post))
    except DomainError as exc:
        return _console(request, errors=[error_text(exc, with_fields=True)], posted=dict(post.items()), status=400)
    messages.success(request, _("邀请活动已创建（草稿），启用前会做合规检查。"))
    return redirect("referral:invite_console")


@require_POST
@merchant_owner
def campaign_status(request: UserRequest, campaign_id: int) -> HttpResponse:
    try:
        campaign = invites.invite_campaign_move(actor=request.user, campaign_id=campaign_id,
                                                status=request.POST.get("status", ""))
    except NotFound:
        raise Http404("No such invite campaign.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已更新：%(name)s") % {"name": campaign.name})
    return redirect("referral:invite_console")


# --- the operator's compliance list ----------------------------------------------------------------


@require_GET
@platform_required
def ops_compliance(request: UserRequest) -> HttpResponse:
    rows = [{"obj": c, "risks": _risks(invites.invite_campaign_review(campaign=c))}
            for c in InviteCampaign.objects.exclude(status=CampaignStatus.ENDED).select_related("merchant")
            .order_by("-pk")[:200]]
    return render(request, "referral/invites/ops.html", {"rows": rows, "active": "invites"})
