"""Bargain (砍价) pages of a shop: the running activities with a 发起砍价 button, and one bargain's
page — for its buyer the price now, progress, helpers, countdown, share link (with the buyer's
share code as `?ref=`) and 以 ¥x 购买; for a logged-in friend 帮好友砍一刀 (anyone else logs in first).
Buying places the order through `orders.bargain` (快递配送 to the default address, or 到店自提 at
one of the merchant's open stores: `activity_fulfilment`) and goes to the order's page to pay. The buyer's
poster (生成海报) is the card poster with the bargain's words and the QR code of the share link."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import consumer_page, consumer_required
from linkmall.accounts.sharecodes import share_code_for
from linkmall.campaigns.models import Bargain, BargainActivity, BargainHelp
from linkmall.campaigns.selectors.bargain import bargain_view, shop_bargains
from linkmall.campaigns.selectors.sharing import sharer_name
from linkmall.campaigns.services.bargain import bargain_help, bargain_start
from linkmall.cards.drawing import card_poster_png
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.customers import selectors as customer_selectors
from linkmall.orders.bargain import bargain_buy
from linkmall.stores.models import Merchant, Store
from linkmall.web.pages.activity_fulfilment import chosen_pickup_store, pickup_choices


def bargain_list(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404
    return render(request, "web/bargain_list.html",
                  {"merchant": merchant, "activities": list(shop_bargains(merchant_id=merchant.pk)[:50])})


def _page(merchant_id: int, bargain_id: int) -> str:
    return reverse("web:bargain_page", args=[merchant_id, bargain_id])


@require_POST
@consumer_page
def bargain_begin(request: HttpRequest, merchant_id: int, activity_id: int) -> HttpResponse:
    if not BargainActivity.objects.filter(pk=activity_id, merchant_id=merchant_id).exists():
        raise Http404
    try:
        bargain = bargain_start(buyer=request.user, activity_id=activity_id)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:bargain_list", merchant_id=merchant_id)
    return redirect(_page(merchant_id, bargain.pk))


def bargain_page(request: HttpRequest, merchant_id: int, bargain_id: int) -> HttpResponse:
    """The buyer's view, or a friend's (anyone with the link sees the page; helping needs a login)."""
    try:
        view = bargain_view(bargain_id=bargain_id, merchant_id=merchant_id)
    except NotFound:
        raise Http404 from None
    bargain = view.bargain
    user = request.user
    mine = user.is_authenticated and user.pk == bargain.buyer_id
    helped = user.is_authenticated and BargainHelp.objects.filter(bargain=bargain, helper_id=user.pk).exists()
    share_url = _share_url(request, merchant_id, bargain) if mine else ""
    return render(request, "web/bargain_page.html", {
        "merchant_id": merchant_id, "view": view, "bargain": bargain, "mine": mine, "helped": helped,
        "consumer": user.is_authenticated and getattr(user, "role", "") == Role.CONSUMER,
        "share_url": share_url, "token": uuid.uuid4().hex,
        "pickup_stores": pickup_choices(merchant_id) if mine and view.state == "open" else [],
    })


def _share_url(request: HttpRequest, merchant_id: int, bargain: Bargain) -> str:
    """The buyer's link for friends: the bargain's page with the buyer's share code as `?ref=`."""
    return request.build_absolute_uri(
        f"{_page(merchant_id, bargain.pk)}?{urlencode({'ref': share_code_for(user_id=bargain.buyer_id)})}")


@require_GET
@consumer_required
def bargain_poster(request: UserRequest, merchant_id: int, bargain_id: int) -> HttpResponse:
    """The buyer's poster of their own bargain (the QR code is the share link); anyone else's: 404."""
    try:
        view = bargain_view(bargain_id=bargain_id, merchant_id=merchant_id)
    except NotFound:
        raise Http404("No such bargain.") from None
    bargain = view.bargain
    if bargain.buyer_id != request.user.pk:
        raise Http404("No such bargain.")
    merchant = Merchant.objects.get(pk=merchant_id)
    store = Store.objects.filter(merchant_id=merchant_id, is_active=True).order_by("pk").first()
    png = card_poster_png(
        share_url=_share_url(request, merchant_id, bargain), name=sharer_name(request.user),
        title=bargain.activity.listing.product.name,
        headline=_("帮我砍一刀！现价 ¥%(price)s，最低 ¥%(floor)s") % {
            "price": fen_to_yuan(bargain.price_fen), "floor": fen_to_yuan(bargain.floor_fen)},
        store=store.name if store else merchant.name, address=store.address if store else "",
        hint=_("长按识别二维码，帮好友砍一刀"), brand=merchant.name,
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-cache"
    return response


def _back(request: HttpRequest, merchant_id: int, bargain_id: int) -> str:
    return _page(merchant_id, bargain_id)


@require_POST
@consumer_page(back=_back)
def bargain_help_page(request: HttpRequest, merchant_id: int, bargain_id: int) -> HttpResponse:
    try:
        bargain_view(bargain_id=bargain_id, merchant_id=merchant_id)
        done = bargain_help(helper=request.user, bargain_id=bargain_id)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("你帮好友砍掉了 ¥%(cut)s！") % {"cut": fen_to_yuan(done.cut_fen)})
    return redirect(_page(merchant_id, bargain_id))


@require_POST
@consumer_page
def bargain_buy_page(request: HttpRequest, merchant_id: int, bargain_id: int) -> HttpResponse:
    try:
        bargain_view(bargain_id=bargain_id, merchant_id=merchant_id)
    except NotFound:
        raise Http404 from None
    try:
        pickup_store = chosen_pickup_store(request, merchant_id)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(_page(merchant_id, bargain_id))
    address = customer_selectors.address_default(user=request.user)  # type: ignore[arg-type]
    if address is None and pickup_store is None:
        messages.error(request, _("请先添加收货地址，再来购买。"))
        return redirect(f"{reverse('web:checkout_address')}?{urlencode({'next': _page(merchant_id, bargain_id)})}")
    token = (request.POST.get("client_token") or "").strip()[:64] or uuid.uuid4().hex
    try:
        order = bargain_buy(buyer=request.user, bargain_id=bargain_id, address=address,  # type: ignore[arg-type]
                            client_token=f"bargain:{bargain_id}:{token}", pickup_store=pickup_store)
    except NotFound as exc:
        if exc.code != "not_found":  # pickup_store_not_found: the store closed meanwhile
            messages.error(request, error_text(exc))
            return redirect(_page(merchant_id, bargain_id))
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(_page(merchant_id, bargain_id))
    return redirect("web:order_detail", number=order.number)
