"""The cart: see it grouped by shop, add to it from the product page, change or remove a line."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.pages.decorators import consumer_page, safe_next
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.orders import selectors as order_selectors
from linkmall.orders import services as order_services
from linkmall.web import selectors
from linkmall.web.cart_offers import cart_offers
from linkmall.web.pages.common import flash_error
from linkmall.web.pages.forms import AddToCartForm, QuantityForm


@require_GET
@consumer_page
def cart(request):
    groups = selectors.cart_view(user=request.user)
    # each shop with its 店铺优惠 and "再买 ¥X 可减 ¥Y", priced like checkout (web.cart_offers)
    shops = [(group, cart_offers(user=request.user, group=group)) for group in groups]
    return render(request, "web/cart.html", {"groups": groups, "shops": shops, "active_tab": "cart"})


def _form_error_message(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@consumer_page
def cart_add(request):
    back = safe_next(request, reverse("web:cart"))
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_message(form))
        return redirect(back)
    try:
        listing = selectors.listing_get(listing_id=form.cleaned_data["listing"])
        order_services.cart_add(user=request.user, listing=listing, quantity=form.cleaned_data["quantity"])
    except DomainError as exc:
        flash_error(request, exc)
        return redirect(back)
    messages.success(request, _("已加入购物车。"))
    return redirect(back)


@require_POST
@consumer_page
def cart_set_quantity(request, line_id: int):
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_message(form))
        return redirect("web:cart")
    try:
        line = order_selectors.cart_line_get(user=request.user, line_id=line_id)
        order_services.cart_set_quantity(user=request.user, line=line, quantity=form.cleaned_data["quantity"])
    except NotFound:
        messages.error(request, _("这件商品已不在购物车里。"))
    except DomainError as exc:
        messages.error(request, error_text(exc))
    return redirect("web:cart")


@require_POST
@consumer_page
def cart_remove(request, line_id: int):
    try:
        line = order_selectors.cart_line_get(user=request.user, line_id=line_id)
        order_services.cart_remove(user=request.user, line=line)
    except NotFound:
        pass  # already gone: removing twice is not an error
    else:
        messages.success(request, _("已从购物车移除。"))
    return redirect("web:cart")
