"""Merchant console: pick supplier SKUs (选品), my picks, stores and guides.

Thin: parse a form, call one service or selector, render. Another merchant's objects answer 404.
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.catalog.models import Category
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.stores import selectors, services
from linkmall.stores.models import Merchant
from linkmall.stores.pages.forms import GuideForm, PickForm, StoreForm

PAGE_SIZE = 20
merchant_owner = role_required(Role.MERCHANT_OWNER)


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


def _error_text(exc: DomainError) -> str:
    return error_text(exc, with_fields=True)


class _Echo:
    def write(self, value):
        return value


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@merchant_owner
def listing_list(request):
    search = request.GET.get("q", "").strip()[:100]
    rows = selectors.listing_list(actor=request.user, search=search)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow([_("商品"), _("SKU编码"), _("规格"), _("供应商"), _("零售价"), _("佣金池"),
                                              _("成本价"), _("实时库存"), _("状态")])
            for listing in rows.iterator(chunk_size=500):
                yield writer.writerow([
                    listing.product.name, listing.sku.code, "/".join(listing.sku.spec.values()),
                    listing.sku.supplier.name, fen_to_yuan(listing.price_fen), fen_to_yuan(listing.pool_fen),
                    fen_to_yuan(listing.sku.cost_fen), listing.sku.stock, _("在售") if listing.is_active else _("已下架")])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="listings.csv"'
        return response
    return render(request, "stores/listing_list.html", {"page": _page(request, rows), "q": search, "nav": "listings"})


@merchant_owner
@require_POST
def listing_save(request, listing_id: int):
    listing = _or_404(selectors.listing_get, actor=request.user, listing_id=listing_id)
    if request.POST.get("action") == "unpick":
        services.listing_unpick(actor=request.user, listing=listing)
        messages.success(request, _("已下架：%(name)s") % {"name": listing.product.name})
        return redirect("stores:listings")
    form = PickForm(request.POST)
    if form.is_valid():
        try:
            services.listing_update(actor=request.user, listing=listing, price_fen=form.cleaned_data["price"],
                                    pool_fen=form.cleaned_data["pool"] or 0, is_active=True)
            messages.success(request, _("已保存：%(name)s") % {"name": listing.product.name})
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("请输入金额（元），最多两位小数"))
    return redirect("stores:listings")


@merchant_owner
def catalog_browse(request):
    search, category = request.GET.get("q", "").strip()[:100], request.GET.get("category", "")[:50]
    rows = selectors.pickable_skus(actor=request.user, search=search, category_slug=category)
    return render(request, "stores/catalog.html", {
        "page": _page(request, rows), "q": search, "category": category,
        "categories": Category.objects.filter(parent__isnull=True), "nav": "catalog",
    })


@merchant_owner
@require_POST
def pick(request, sku_id: int):
    sku = _or_404(selectors.pickable_sku_get, actor=request.user, sku_id=sku_id)
    form = PickForm(request.POST)
    if form.is_valid():
        try:
            services.listing_pick(actor=request.user, merchant=Merchant.objects.get(pk=request.user.tenant_id), sku=sku,
                                  price_fen=form.cleaned_data["price"], pool_fen=form.cleaned_data["pool"] or 0)
            messages.success(request, _("已选品：%(name)s") % {"name": sku.product.name})
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("请输入金额（元），最多两位小数"))
    return redirect(request.POST.get("back") if str(request.POST.get("back", "")).startswith("/console/merchant/")
                    else "stores:catalog")


@merchant_owner
def store_list(request):
    form = StoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_create(actor=request.user, merchant=Merchant.objects.get(pk=request.user.tenant_id),
                                  **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("门店已添加"))
            return redirect("stores:stores")
    return render(request, "stores/store_list.html", {
        "stores": selectors.merchant_store_list(actor=request.user), "form": form, "nav": "stores"})


@merchant_owner
def store_edit(request, store_id: int):
    store = _or_404(selectors.merchant_store_get, actor=request.user, store_id=store_id)
    form = StoreForm(request.POST or None, initial={f: getattr(store, f) for f in StoreForm.base_fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update(actor=request.user, store=store, is_active=request.POST.get("is_active") == "on",
                                  **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("stores:stores")
    return render(request, "stores/store_edit.html", {"store": store, "form": form, "nav": "stores"})


@merchant_owner
def guide_list(request):
    stores = list(selectors.merchant_store_list(actor=request.user))
    form = GuideForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = _or_404(selectors.merchant_store_get, actor=request.user, store_id=data.pop("store"))
        try:
            services.guide_create(actor=request.user, store=store, **data)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("导购已添加，可用手机号验证码登录"))
            return redirect("stores:guides")
    return render(request, "stores/guide_list.html", {
        "guides": selectors.guide_list(actor=request.user), "form": form, "stores": stores, "nav": "guides"})


@merchant_owner
@require_POST
def guide_toggle(request, guide_id: int):
    guide = _or_404(selectors.guide_get, actor=request.user, guide_id=guide_id)
    services.guide_update(actor=request.user, guide=guide, is_active=not guide.is_active)
    return redirect("stores:guides")
