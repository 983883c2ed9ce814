"""Checkout: choose or add an address, see the order split into parcels by supplier, place it."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linkmall.accounts.pages.decorators import consumer_page, safe_next
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.customers import selectors as customer_selectors
from linkmall.customers.attribution import guide_for_order
from linkmall.customers.services import address_create
from linkmall.orders.services import order_place, order_place_from_cart
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


def _store_for(request, merchant: Merchant) -> Store | None:
    """Credit the order to the store the buyer is shopping in, when it belongs to this merchant."""
    return selectors.store_of_merchant(store_id=current_store_id(request), merchant_id=merchant.pk)


def _render(request, form, preview, *, status=200, selected_address=None):
    addresses = customer_selectors.address_list(user=request.user)
    if selected_address is None and addresses:
        selected_address = addresses[0].pk
    return render(request, "web/checkout.html", {
        "form": form, "preview": preview, "addresses": addresses, "selected_address": selected_address,
        "new_address_next": request.get_full_path(), "active_tab": "cart",
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
    form = CheckoutForm(initial={
        "client_token": uuid.uuid4().hex, "merchant": preview.merchant.pk,
        "listing": _int_param(request.GET.get("listing")), "quantity": _int_param(request.GET.get("quantity")),
    })
    return _render(request, form, preview, selected_address=_int_param(request.GET.get("address")))


def _place_order(request):
    """Place the order first and build the preview only to show a refusal: a repeated submit of an
    order already placed (its cart lines are gone by then) still lands on that order."""
    form = CheckoutForm(request.POST)
    status = 400
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            address = customer_selectors.address_get(user=request.user, address_id=cleaned["address"])
            if cleaned["listing"]:
                listing = selectors.listing_get(listing_id=cleaned["listing"])
                order = order_place(
                    buyer=request.user, merchant=listing.merchant, address=address,
                    lines=[(listing.pk, cleaned["quantity"] or 1)], client_token=cleaned["client_token"],
                    store=_store_for(request, listing.merchant), note=cleaned["note"],
                    guide=guide_for_order(request, merchant_id=listing.merchant_id),
                )
            else:
                merchant = selectors.merchant_get(merchant_id=cleaned["merchant"] or 0)
                order = order_place_from_cart(
                    buyer=request.user, merchant=merchant, address=address, client_token=cleaned["client_token"],
                    store=_store_for(request, merchant), note=cleaned["note"],
                    guide=guide_for_order(request, merchant_id=merchant.pk),
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


