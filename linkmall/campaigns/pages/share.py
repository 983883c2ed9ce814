"""Share-to-get pages: a friend's landing (/shop/<merchant_id>/share/<campaign_id>/?ref=<code>), the
sharer's poster, 我的分享 (/me/shares/), and the merchant console's share campaigns. Thin: read
through `selectors_sharing`, write through `services.sharing`.

The landing carries the sharer's share code as `?ref=`, so the referral middleware remembers the
sharer (first touch) on the way; the claim reads the same code. The landing gives the browser its
tracking visitor cookie when it has none, and the claim names that visitor as the friend's device.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role, User
from linkmall.accounts.pages.decorators import consumer_page, consumer_required, role_required
from linkmall.accounts.sharecodes import share_code_user_id
from linkmall.campaigns.models import CampaignStatus, ShareCampaign, ShareMode
from linkmall.campaigns.offers import template_label
from linkmall.campaigns.pages.console import _merchant, _moves
from linkmall.campaigns.pages.share_forms import ShareCampaignForm
from linkmall.campaigns.selectors import coupon_template_list
from linkmall.campaigns.selectors import sharing as reads
from linkmall.campaigns.selectors.sharing import ShareStanding
from linkmall.campaigns.services import sharing
from linkmall.cards.drawing import card_poster_png
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.tables import Table, table_download
from linkmall.customers.tracking import visitor_ensure, visitor_for_request
from linkmall.stores.models import Store

LIST_SIZE = 100
EXPORT_SIZE = 10_000
merchant_owner = role_required(Role.MERCHANT_OWNER)


def _campaign(merchant_id: int, campaign_id: int) -> ShareCampaign:
    try:
        return reads.public_campaign(campaign_id=campaign_id, merchant_id=merchant_id)
    except NotFound:
        raise Http404("No such share campaign.") from None


def _sharer_id(request: HttpRequest) -> int | None:
    return share_code_user_id(request.GET.get("ref", ""))


def progress_text(standing: ShareStanding) -> str:
    """再邀请 N 位好友即可获得…, or what the sharer has when every reward was earned."""
    reward = template_label(standing.campaign.reward_template)
    if standing.to_next == 0:
        return _("已获得全部 %(n)s 张奖励券") % {"n": standing.campaign.max_rewards}
    if standing.campaign.mode == ShareMode.ORDERS:
        return _("再有 %(n)s 位好友完成首单即可获得 %(reward)s") % {"n": standing.to_next, "reward": reward}
    return _("再邀请 %(n)s 位好友领券即可获得 %(reward)s") % {"n": standing.to_next, "reward": reward}


def rule_text(campaign: ShareCampaign) -> str:
    reward = template_label(campaign.reward_template)
    if campaign.mode == ShareMode.ORDERS:
        text = _("每 %(n)s 位好友领券并完成首单，你得 %(reward)s") % {"n": campaign.friends_needed, "reward": reward}
    else:
        text = _("每 %(n)s 位好友领券，你得 %(reward)s") % {"n": campaign.friends_needed, "reward": reward}
    return text + _("（最多 %(n)s 次）") % {"n": campaign.max_rewards}


STATE_TEXT = {
    "closed": gettext_lazy("活动未开始或已结束"),
    "own": gettext_lazy("这是你自己的分享链接，发给好友即可"),
    "claimed": gettext_lazy("你已领取好友券，已放入“我的优惠券”"),
    "claimed_elsewhere": gettext_lazy("你已经通过其他好友的分享领过这张券了"),
    "not_new": gettext_lazy("好友券仅限新客领取，你已经在本店下过单了"),
    "sold_out": gettext_lazy("好友券已领完"),
}


def share_landing(request: HttpRequest, merchant_id: int, campaign_id: int) -> HttpResponse:
    """Anyone may look; claiming (a POST) needs a consumer's login, which comes back here."""
    campaign = _campaign(merchant_id, campaign_id)
    if request.method == "POST":
        return _claim(request, merchant_id, campaign_id)
    sharer_id = _sharer_id(request)
    sharer = User.objects.filter(pk=sharer_id, is_active=True, role=Role.CONSUMER).first() if sharer_id else None
    viewer = request.user if isinstance(request.user, User) and request.user.role == Role.CONSUMER else None
    state = reads.landing_state(campaign=campaign, viewer=viewer, sharer_id=sharer.pk if sharer else None)
    if sharer is None and state == "open":
        state = "closed"
    store = Store.objects.filter(merchant_id=merchant_id, is_active=True).order_by("pk").first()
    context: dict[str, Any] = {
        "campaign": campaign, "merchant": campaign.merchant, "sharer_name": reads.sharer_name(sharer) if sharer else "",
        "offer": template_label(campaign.friend_template), "state": state, "state_text": STATE_TEXT.get(state, ""),
        "rule": rule_text(campaign), "store": store, "no_sharer": sharer is None,
    }
    response = render(request, "campaigns/share_landing.html", context)
    if visitor_for_request(request) is None:  # the device the claim will name
        visitor_ensure(request, response)
    return response


def _landing_url(request: HttpRequest, merchant_id: int, campaign_id: int) -> str:
    return request.get_full_path()


@consumer_page(back=_landing_url)
def _claim(request: UserRequest, merchant_id: int, campaign_id: int) -> HttpResponse:
    back = redirect(request.get_full_path())
    sharer_id = _sharer_id(request)
    if sharer_id is None:
        messages.error(request, _("分享链接无效，请让好友重新分享。"))
        return back
    visitor = visitor_for_request(request)
    try:
        sharing.share_claim(friend=request.user, campaign_id=campaign_id, sharer_id=sharer_id,
                            device_key=visitor.key if visitor else "")
    except NotFound:
        messages.error(request, _("分享链接无效，请让好友重新分享。"))
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("领取成功，已放入“我的优惠券”。"))
    return back


@require_GET
@consumer_required
def share_poster(request: UserRequest, campaign_id: int) -> HttpResponse:
    """The poster of the viewer's own link to the campaign: the QR code leads to the landing."""
    try:
        campaign = reads.public_campaign(campaign_id=campaign_id)
    except NotFound:
        raise Http404("No such share campaign.") from None
    url = request.build_absolute_uri(reads.share_path(campaign=campaign, sharer_id=request.user.pk, via="poster"))
    store = Store.objects.filter(merchant_id=campaign.merchant_id, is_active=True).order_by("pk").first()
    png = card_poster_png(
        share_url=url, name=reads.sharer_name(request.user), title=campaign.name,
        headline=_("送你一张%(offer)s优惠券") % {"offer": template_label(campaign.friend_template)},
        store=store.name if store else campaign.merchant.name, address=store.address if store else "",
        hint=_("长按识别二维码，领取新人券"), brand=campaign.merchant.name,
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@consumer_page
def my_shares(request: UserRequest) -> HttpResponse:
    """我的分享: each campaign's friends, rewards and the viewer's own link."""
    rows = []
    for standing in reads.my_shares(user=request.user):
        campaign = standing.campaign
        rows.append({
            "s": standing, "progress": progress_text(standing), "rule": rule_text(campaign),
            "offer": template_label(campaign.friend_template),
            "link": request.build_absolute_uri(reads.share_path(campaign=campaign, sharer_id=request.user.pk)),
        })
    return render(request, "campaigns/share_mine.html", {"rows": rows})


# --- the merchant console ------------------------------------------------------------------------------


def _console(request: UserRequest, *, form: ShareCampaignForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    campaigns = [{"obj": c, "rule": rule_text(c), "offer": template_label(c.friend_template), "moves": _moves(c.status)}
                 for c in reads.share_campaign_list(actor=user)[:LIST_SIZE]]
    templates = [(t.pk, f"{t.name} · {template_label(t)}")
                 for t in coupon_template_list(actor=user).exclude(status=CampaignStatus.ENDED)[:LIST_SIZE]]
    form = form or ShareCampaignForm(templates=templates, initial={"friends_needed": 3, "max_rewards": 1})
    return render(request, "campaigns/share_console.html", {"campaigns": campaigns, "form": form, "nav": "campaigns"},
                  status=status)


@require_GET
@merchant_owner
def share_console(request: UserRequest) -> HttpResponse:
    return _console(request)


@require_POST
@merchant_owner
def share_new(request: UserRequest) -> HttpResponse:
    templates = [(t.pk, t.name) for t in coupon_template_list(actor=request.user)[:LIST_SIZE]]
    form = ShareCampaignForm(request.POST, templates=templates)
    if form.is_valid():
        try:
            sharing.share_campaign_create(actor=request.user, merchant=_merchant(request), **form.fields_for_service())
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("分享活动已创建（草稿），启用后好友可以领券。"))
            return redirect("campaigns:share_console")
    return _console(request, form=form, status=400)


@require_POST
@merchant_owner
def share_status(request: UserRequest, campaign_id: int) -> HttpResponse:
    wanted = request.POST.get("status", "")
    try:
        campaign = reads.share_campaign_get(actor=request.user, campaign_id=campaign_id)
        sharing.share_campaign_set_status(actor=request.user, campaign_id=campaign.pk, status=wanted)
        messages.success(request, _("已更新：%(name)s") % {"name": campaign.name})
    except NotFound:
        raise Http404("No such share campaign.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc, with_fields=True))
    return redirect("campaigns:share_console")


@require_GET
@merchant_owner
def share_export(request: UserRequest) -> HttpResponse:
    """The share campaigns with their counts, as CSV (?format=xlsx for Excel)."""
    rows = []
    for c in reads.share_campaign_list(actor=request.user)[:EXPORT_SIZE]:
        n = reads.counts_of(c)
        rows.append([c.pk, c.name, c.get_status_display(), c.get_mode_display(), template_label(c.friend_template),
                     template_label(c.reward_template), c.friends_needed, c.max_rewards, n.sharers, n.claims,
                     n.converted, n.rewards])
    table = Table(title=_("分享领券活动"), rows=rows, header=[
        _("编号"), _("名称"), _("状态"), _("好友何时计入"), _("好友券"), _("奖励券"), _("每几位好友得一张奖励"),
        _("每人最多奖励几次"), _("分享人数"), _("好友领券"), _("好友首单结算"), _("已发奖励")])
    return table_download(table, fmt="xlsx" if request.GET.get("format") == "xlsx" else "csv", filename="share-campaigns")


@require_GET
@never_cache
def card_share_offer(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The card page's share-to-get block, fetched by htmx after the page. A visitor who came through
    a friend's shared card (`?ref=` of the friend) sees the friend coupon and a link to claim it; a
    logged-in consumer without one is invited to share. Empty when the merchant runs no campaign."""
    campaign = reads.running_campaign(merchant_id=merchant_id)
    if campaign is None:
        return HttpResponse("")
    viewer = request.user if isinstance(request.user, User) and request.user.role == Role.CONSUMER else None
    sharer_id = _sharer_id(request)
    claim_url = ""
    if sharer_id is not None and (viewer is None or viewer.pk != sharer_id):
        claim_url = reads.share_path(campaign=campaign, sharer_id=sharer_id, via="card")
    elif viewer is None:
        return HttpResponse("")
    return render(request, "campaigns/_card_share.html", {
        "campaign": campaign, "offer": template_label(campaign.friend_template), "claim_url": claim_url,
        "rule": rule_text(campaign),
    })
