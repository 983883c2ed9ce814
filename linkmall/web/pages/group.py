"""Group buy (拼团) pages of a shop: the activity page (open a group, or join one of its open groups),
one group's page — members' avatars (initials; virtual members look like members), seats left, a
live countdown, the share link with the viewer's share code as `?ref=` and a poster — and 我的拼团.
Opening and joining place the order through `orders.group` (快递配送 to the default address, or
到店自提 at one of the merchant's open stores: `activity_fulfilment`) and go to the order's page to pay."""

import uuid
from collections.abc import Callable

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
from linkmall.campaigns.models import CampaignStatus, GroupBuy, GroupBuyMember
from linkmall.campaigns.selectors.group import GroupView, group_view, my_groups, open_groups
from linkmall.campaigns.selectors.sharing import sharer_name
from linkmall.cards.drawing import card_poster_png
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.customers import selectors as customer_selectors
from linkmall.customers.models import Address
from linkmall.orders.group import group_join_attempt, group_open_attempt
from linkmall.orders.models import Order
from linkmall.stores.models import Merchant, Store
from linkmall.web.pages.activity_fulfilment import chosen_pickup_store, pickup_choices


def _activity(merchant_id: int, activity_id: int) -> GroupBuy:
    activity = (GroupBuy.objects.select_related("listing__product").filter(pk=activity_id, merchant_id=merchant_id)
                .exclude(status=CampaignStatus.DRAFT).first())
    if activity is None:
        raise Http404("No such group buy.")
    return activity


def group_activity_page(request: HttpRequest, merchant_id: int, activity_id: int) -> HttpResponse:
    """The activity: prices, 开团 and the open groups one may join (public)."""
    activity = _activity(merchant_id, activity_id)
    groups = [group_view(group_id=g.pk) for g in open_groups(activity_id=activity.pk, limit=10)]
    return render(request, "web/group_activity.html", {
        "merchant_id": merchant_id, "activity": activity, "groups": groups, "token": uuid.uuid4().hex,
        "leader_price_fen": activity.price_fen - activity.leader_discount_fen,
        "pickup_stores": pickup_choices(merchant_id)})


def _page(merchant_id: int, group_id: int) -> str:
    return reverse("web:group_page", args=[merchant_id, group_id])


def group_page_of_order(order: Order) -> str | None:
    """The page of the group a group-buy order holds a seat in (where the cashier sends its buyer
    back after paying), None for any other order."""
    row = (GroupBuyMember.objects.filter(order_id=order.pk)
           .values_list("group_id", "group__activity__merchant_id").first())
    return _page(row[1], row[0]) if row else None


def _view(merchant_id: int, group_id: int) -> GroupView:
    try:
        return group_view(group_id=group_id, merchant_id=merchant_id)
    except NotFound:
        raise Http404("No such group.") from None


def _share_url(request: HttpRequest, merchant_id: int, group_id: int, user_id: int) -> str:
    return request.build_absolute_uri(
        f"{_page(merchant_id, group_id)}?{urlencode({'ref': share_code_for(user_id=user_id)})}")


def group_page(request: HttpRequest, merchant_id: int, group_id: int) -> HttpResponse:
    """Anyone with the link sees the group (names masked); joining needs a login."""
    view = _view(merchant_id, group_id)
    user = request.user
    mine = user.is_authenticated and any(m.buyer_id == user.pk for m in view.members)
    return render(request, "web/group_page.html", {
        "merchant_id": merchant_id, "view": view, "group": view.group, "activity": view.group.activity,
        "mine": mine, "share_url": _share_url(request, merchant_id, group_id, user.pk or 0) if mine else "",
        "empty_seats": range(view.seats_left), "token": uuid.uuid4().hex,
        "consumer": user.is_authenticated and getattr(user, "role", "") == Role.CONSUMER,
        "pickup_stores": pickup_choices(merchant_id) if view.state == "open" and view.seats_left and not mine else [],
    })


def _seat(request: HttpRequest, merchant_id: int, back: str,
          attempt: Callable[[Address | None, str, Store | None], Order]) -> HttpResponse:
    try:
        pickup_store = chosen_pickup_store(request, merchant_id)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    address = customer_selectors.address_default(user=request.user)  # type: ignore[arg-type]
    if address is None and pickup_store is None:
        messages.error(request, _("请先添加收货地址，再来拼团。"))
        return redirect(f"{reverse('web:checkout_address')}?{urlencode({'next': back})}")
    token = (request.POST.get("client_token") or "").strip()[:64] or uuid.uuid4().hex
    try:
        order = attempt(address, token, pickup_store)
    except NotFound as exc:
        if exc.code != "not_found":  # pickup_store_not_found: the store closed meanwhile
            messages.error(request, error_text(exc))
            return redirect(back)
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    return redirect("web:order_detail", number=order.number)


@require_POST
@consumer_page
def group_open_page(request: HttpRequest, merchant_id: int, activity_id: int) -> HttpResponse:
    activity = _activity(merchant_id, activity_id)
    back = reverse("web:group_activity", args=[merchant_id, activity.pk])
    return _seat(request, merchant_id, back, lambda address, token, store: group_open_attempt(
        buyer=request.user, activity_id=activity.pk, address=address,  # type: ignore[arg-type]
        client_token=f"group-open:{activity.pk}:{token}", pickup_store=store))


def _back(request: HttpRequest, merchant_id: int, group_id: int) -> str:
    return _page(merchant_id, group_id)


@require_POST
@consumer_page(back=_back)
def group_join_page(request: HttpRequest, merchant_id: int, group_id: int) -> HttpResponse:
    _view(merchant_id, group_id)
    return _seat(request, merchant_id, _page(merchant_id, group_id), lambda address, token, store: group_join_attempt(
        buyer=request.user, group_id=group_id, address=address,  # type: ignore[arg-type]
        client_token=f"group-join:{group_id}:{token}", pickup_store=store))


@require_GET
@consumer_required
def group_poster(request: UserRequest, merchant_id: int, group_id: int) -> HttpResponse:
    """A member's poster of their group (the QR code is their share link); anyone else's: 404."""
    view = _view(merchant_id, group_id)
    if not any(m.buyer_id == request.user.pk for m in view.members):
        raise Http404("No such group.")
    group = view.group
    merchant = Merchant.objects.get(pk=merchant_id)
    store = Store.objects.filter(merchant_id=merchant_id, is_active=True).order_by("pk").first()
    png = card_poster_png(
        share_url=_share_url(request, merchant_id, group.pk, request.user.pk), name=sharer_name(request.user),
        title=group.activity.listing.product.name,
        headline=_("%(size)s 人团 ¥%(price)s，还差 %(left)s 人") % {
            "size": group.size, "price": fen_to_yuan(group.activity.price_fen), "left": view.seats_left},
        store=store.name if store else merchant.name, address=store.address if store else "",
        hint=_("长按识别二维码，和我一起拼团"), brand=merchant.name,
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@consumer_required
def my_groups_page(request: UserRequest) -> HttpResponse:
    return render(request, "web/my_groups.html", {"views": my_groups(user=request.user)})
