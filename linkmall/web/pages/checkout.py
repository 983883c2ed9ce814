"""Checkout: choose or add an address, see the order split into parcels by supplier, place it."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linkmall.accounts.pages.decorators import consumer_page, safe_next
from linkmall.campaigns.offers import template_label
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.customers import selectors as customer_selectors
from linkmall.customers.attribution import guide_for_order
from linkmall.customers.services import address_create
from linkmall.orders.services import order_place, order_place_from_cart
from linkmall.stores import selectors as store_selectors
from linkmall.stores.models import Merchant, Store
from linkmall.web import selectors
from linkmall.web.pages.common import current_store_id
from linkmall.web.pages.forms import AddressForm, AddToCartForm, CheckoutForm, add_domain_error


@require_POST
@consumer_page
def buy_now(request):
    """"立即购买" skips the cart: it only carries the chosen SKU and quantity to the checkout page."""
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(safe_next(request, reverse("web:cart")))
    query = urlencode({"listing": form.cleaned_data["listing"], "quantity": form.cleaned_data["quantity"]})
    return redirect(f"{reverse('web:checkout')}?{query}")


def _int_param(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _preview(request, data):
    """The preview named by the request: buy-now (listing + quantity) or one merchant's cart lines."""
    listing_id, merchant_id = _int_param(data.get("listing")), _int_param(data.get("merchant"))
    if listing_id is not None:
        quantity = _int_param(data.get("quantity")) or 1
        return selectors.checkout_preview_listing(user=request.user, listing_id=listing_id, quantity=quantity)
    # no merchant named: the cart must hold one shop's lines, read in the same query as the preview
    return selectors.checkout_preview_cart(user=request.user, merchant_id=merchant_id)


def _coordinate(value, limit: int) -> float | None:
    """The buyer's GCJ-02 latitude or longitude from the page, when it sent one that makes sense."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _coupon_choice(value) -> tuple[int | None, bool]:
    """(coupon_id, best) from the page's coupon choice: none given → the best one, 0 → no coupon."""
    if value is None or value == "":
        return None, True
    return _int_param(value), False


def _points_param(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 <= number < 2**40 else 0


def _price(request, preview, coupon_value, points_value) -> str:
    """Price the preview with the chosen coupon and points. A coupon or points amount the order
    cannot take is dropped and the reason returned, so the page still shows a price to pay."""
    coupon_id, best = _coupon_choice(coupon_value)
    try:
        selectors.checkout_price(user=request.user, preview=preview, coupon_id=coupon_id,
                                 points=_points_param(points_value), best=best)
    except DomainError as exc:
        message = error_text(exc)
    else:
        return ""
    try:  # without the points first, then without the coupon too
        selectors.checkout_price(user=request.user, preview=preview, coupon_id=coupon_id, best=best)
    except DomainError:
        selectors.checkout_price(user=request.user, preview=preview)
    return message


def _coupon_options(preview) -> list[dict]:
    if preview.quote is None:
        return []
    return [{"coupon": coupon, "label": f"{coupon.template.name} · {template_label(coupon.template)}",
             "discount_fen": discount} for coupon, discount in preview.quote.coupon_choices()]


def _store_for(request, merchant: Merchant) -> Store | None:
    """Credit the order to the store the buyer is shopping in, when it belongs to this merchant."""
    return selectors.store_of_merchant(store_id=current_store_id(request), merchant_id=merchant.pk)


def _render(request, form, preview, *, status=200, selected_address=None, price_error=""):
    addresses = customer_selectors.address_list(user=request.user)
    if selected_address is None and addresses:
        selected_address = addresses[0].pk
    quote = preview.quote
    data = request.POST if request.method == "POST" else request.GET
    return render(request, "web/checkout.html", {
        "pickup_stores": store_selectors.pickup_stores(
            merchant_id=preview.merchant.pk, latitude=_coordinate(data.get("lat"), 90),
            longitude=_coordinate(data.get("lng"), 180)),
        "fulfilment_mode": "pickup" if data.get("fulfilment_mode") == "pickup" else "delivery",
        "selected_pickup_store": _int_param(data.get("pickup_store")),
        "form": form, "preview": preview, "addresses": addresses, "selected_address": selected_address,
        "new_address_next": request.get_full_path(), "active_tab": "cart",
        "quote": quote, "priced": quote.priced if quote else None, "price_error": price_error,
        "coupon_options": _coupon_options(preview),
        "coupon_selected": quote.coupon.pk if quote and quote.coupon else 0,
        "points_max": quote.points_max() if quote else 0,
        "reprice": {"listing": form["listing"].value() or "", "quantity": form["quantity"].value() or "",
                    "merchant": preview.merchant.pk},
    }, status=status)


@require_http_methods(["GET", "POST"])
@consumer_page
def checkout(request):
    if request.method == "POST":
        return _place_order(request)
    try:
        preview = _preview(request, request.GET)
    except NotFound:
        messages.error(request, _("购物车里没有可以结算的商品。"))
        return redirect("web:cart")
    price_error = _price(request, preview, request.GET.get("coupon"), request.GET.get("points"))
    quote = preview.quote
    form = CheckoutForm(initial={
        "client_token": uuid.uuid4().hex, "merchant": preview.merchant.pk,
        "listing": _int_param(request.GET.get("listing")), "quantity": _int_param(request.GET.get("quantity")),
        # what the page shows is what the order is placed with
        "coupon": quote.coupon.pk if quote and quote.coupon else 0,
        "points": quote.priced.points_used if quote else 0,
    })
    return _render(request, form, preview, selected_address=_int_param(request.GET.get("address")),
                   price_error=price_error)


def _place_order(request):
    """Place the order first and build the preview only to show a refusal: a repeated submit of an
    order already placed (its cart lines are gone by then) still lands on that order."""
    form = CheckoutForm(request.POST)
    status = 400
    if form.is_valid() and form.cleaned_data["address"] is None and form.cleaned_data["fulfilment_mode"] != "pickup":
        form.add_error("address", _("请选择收货地址。"))  # only a pick-up order goes without an address
    if form.is_valid():
        cleaned = form.cleaned_data
        pickup = cleaned["fulfilment_mode"] == "pickup"
        try:
            address = (None if cleaned["address"] is None
                       else customer_selectors.address_get(user=request.user, address_id=cleaned["address"]))
            mode = {"fulfilment_mode": "pickup" if pickup else "delivery",
                    # the service refuses another merchant's or a closed store (pickup_store_not_found)
                    "pickup_store": (Store.objects.filter(pk=cleaned["pickup_store"]).first()
                                     if pickup and cleaned["pickup_store"] else None)}
            if cleaned["listing"]:
                listing = selectors.listing_get(listing_id=cleaned["listing"])
                order = order_place(
                    buyer=request.user, merchant=listing.merchant, address=address,
                    lines=[(listing.pk, cleaned["quantity"] or 1)], client_token=cleaned["client_token"],
                    store=_store_for(request, listing.merchant), note=cleaned["note"],
                    guide=guide_for_order(request, merchant_id=listing.merchant_id),
                    coupon_id=cleaned["coupon"] or None, points=cleaned["points"] or 0, **mode,
                )
            else:
                merchant = selectors.merchant_get(merchant_id=cleaned["merchant"] or 0)
                order = order_place_from_cart(
                    buyer=request.user, merchant=merchant, address=address, client_token=cleaned["client_token"],
                    store=_store_for(request, merchant), note=cleaned["note"],
                    guide=guide_for_order(request, merchant_id=merchant.pk),
                    coupon_id=cleaned["coupon"] or None, points=cleaned["points"] or 0, **mode,
                )
        except DomainError as exc:
            add_domain_error(form, exc, error_text(exc))
            status = exc.status if exc.status < 500 else 400
        else:
            return redirect("web:order_detail", number=order.number)
    try:
        preview = _preview(request, request.POST)
    except NotFound:
        messages.error(request, _("购物车里没有可以结算的商品。"))
        return redirect("web:cart")
    # show the price the buyer asked for, or why it cannot be had (the form says so already)
    _price(request, preview, request.POST.get("coupon") or "0", request.POST.get("points"))
    return _render(request, form, preview, status=status, selected_address=_int_param(request.POST.get("address")))


@require_http_methods(["GET", "POST"])
@consumer_page
def address_new(request):
    back = safe_next(request, reverse("web:checkout"))
    if request.method == "GET":
        return render(request, "web/address_form.html", {"form": AddressForm(), "next": back})
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            address = address_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc, error_text(exc))
        else:
            separator = "&" if "?" in back else "?"
            return redirect(f"{back}{separator}{urlencode({'address': address.pk})}")
    return render(request, "web/address_form.html", {"form": form, "next": back}, status=400)


