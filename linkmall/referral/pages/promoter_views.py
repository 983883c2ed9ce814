"""The promoter centre (推广中心) at /me/promoter/, and the share link /r/<code>/ every poster points at.

Views are thin: they read through linkmall.referral.selectors, write through the ledger's
withdrawal service, and render. Every page shows the logged-in consumer's own data only.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import User
from linkmall.accounts.pages.decorators import consumer_required
from linkmall.core.conf import linkmall_int
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.core.money import fen_to_yuan
from linkmall.ledger.models import OwnerKind
from linkmall.ledger.withdrawals import withdrawal_request
from linkmall.referral import selectors
from linkmall.referral.http import ShareVisitRequest
from linkmall.referral.middleware import visit_remember
from linkmall.referral.pages.promoter_forms import WithdrawForm, new_form_key
from linkmall.referral.poster import poster_png_cached, qr_png
from linkmall.referral.sharing import share_code_for, share_code_user_id, share_url_for, visit_channel

PAGE_SIZE = 20
PREVIEW_SIZE = 5


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def withdrawal_terms() -> dict[str, int | str]:
    return {"minimum_fen": linkmall_int("WITHDRAWAL_MIN_FEN"),
            "fee_percent": str(settings.LINKMALL["WITHDRAWAL_FEE_PERCENT"])}


def share_links(request: HttpRequest, user: User) -> dict[str, str]:
    absolute = request.build_absolute_uri
    return {
        "code": share_code_for(user_id=user.pk),
        "link": absolute(share_url_for(user_id=user.pk, via="link")),
        "qr_url": absolute(share_url_for(user_id=user.pk, via="qr")),
        "poster_url": absolute(share_url_for(user_id=user.pk, via="poster")),
    }


def _home_context(request: UserRequest, form: WithdrawForm) -> dict[str, Any]:
    user = request.user
    overview = selectors.promoter_overview(user=user)
    members = (selectors.promoter_team(user=user, page_size=PREVIEW_SIZE) if overview.is_boss
               else selectors.promoter_referrals(user=user, page_size=PREVIEW_SIZE))
    return {
        "overview": overview,
        "members": members,
        "members_are_team": overview.is_boss,
        "rewards": selectors.promoter_rewards(user=user, page_size=PREVIEW_SIZE),
        "withdrawals": selectors.promoter_withdrawals(user=user, page_size=PREVIEW_SIZE),
        "form": form,
        "terms": withdrawal_terms(),
        "share": share_links(request, user),
    }


@require_GET
@consumer_required
def promoter_home(request: UserRequest) -> HttpResponse:
    form = WithdrawForm(initial={"key": new_form_key()})
    return render(request, "referral/promoter/home.html", _home_context(request, form))


def _withdraw_error_text(exc: DomainError, user: User) -> str:
    if exc.code == "insufficient_balance":
        debt = selectors.promoter_balances(user=user).debt_fen
        if debt:
            return _("你有 ¥%(debt)s 的欠款（退款追回的奖励），需由之后的收益抵扣后才能提现。") % {
                "debt": fen_to_yuan(debt)}
    return error_text(exc, default=_("提现没有成功，请检查后重试。"),
                      minimum=fen_to_yuan(linkmall_int("WITHDRAWAL_MIN_FEN")))


@require_POST
@consumer_required
def promoter_withdraw(request: UserRequest) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdrawal_request(actor=request.user, owner_kind=OwnerKind.PROMOTER, owner_id=request.user.pk,
                               amount_fen=form.cleaned_data["amount"],
                               key=f"promoter:{request.user.pk}:{form.cleaned_data['key']}")
        except DomainError as exc:
            form.add_error(None, _withdraw_error_text(exc, request.user))
        else:
            messages.success(request, _("提现申请已提交，审核通过后打款到账。"))
            return redirect("referral:promoter_withdrawals")
    context = _home_context(request, form)
    return render(request, "referral/promoter/home.html", context, status=400)


@require_GET
@consumer_required
def promoter_rewards(request: UserRequest) -> HttpResponse:
    rewards = selectors.promoter_rewards(user=request.user, page=_page_number(request), page_size=PAGE_SIZE)
    return render(request, "referral/promoter/rewards.html", {"rewards": rewards})


@require_GET
@consumer_required
def promoter_team(request: UserRequest) -> HttpResponse:
    overview = selectors.promoter_overview(user=request.user)
    page = _page_number(request)
    members = (selectors.promoter_team(user=request.user, page=page, page_size=PAGE_SIZE) if overview.is_boss
               else selectors.promoter_referrals(user=request.user, page=page, page_size=PAGE_SIZE))
    return render(request, "referral/promoter/team.html", {
        "overview": overview, "members": members, "members_are_team": overview.is_boss,
    })


@require_GET
@consumer_required
def promoter_withdrawals(request: UserRequest) -> HttpResponse:
    withdrawals = selectors.promoter_withdrawals(user=request.user, page=_page_number(request), page_size=PAGE_SIZE)
    return render(request, "referral/promoter/withdrawals.html", {
        "withdrawals": withdrawals, "balances": selectors.promoter_balances(user=request.user),
    })


def _png(request: HttpRequest, png: bytes, etag: str) -> HttpResponse:
    quoted = f'"{etag}"'
    response: HttpResponse
    if request.headers.get("If-None-Match") == quoted:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = quoted
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@consumer_required
def promoter_qr(request: UserRequest) -> HttpResponse:
    url = share_links(request, request.user)["qr_url"]
    return _png(request, qr_png(url), share_code_for(user_id=request.user.pk))


@require_GET
@consumer_required
def promoter_poster(request: UserRequest) -> HttpResponse:
    user = request.user
    name = selectors.public_name(user)
    store_name = selectors.share_landing(sharer_id=user.pk)[1]
    png, etag = poster_png_cached(
        user_id=user.pk,
        share_url=share_links(request, user)["poster_url"],
        brand=_("链动商城"),
        promoter_name=_("%(name)s 邀请你一起逛") % {"name": name},
        headline=_("我在链动商城发现了好物"),
        slogan=_("好物分享 · 买得放心"),
        hint=_("长按识别二维码，进店逛逛"),
        store=store_name,
    )
    return _png(request, png, etag)


@require_GET
def share_visit(request: ShareVisitRequest, code: str) -> HttpResponse:
    """/r/<code>/: remember the sharer (or bind a logged-in consumer) and go to the sharer's store."""
    sharer_id = share_code_user_id(code)
    if sharer_id is None:
        return redirect("web:home")
    request.share_visit_handled = True
    response = redirect(selectors.share_landing_path(sharer_id=sharer_id))
    return visit_remember(request, response, (code, visit_channel(request.GET.get("via"))))
