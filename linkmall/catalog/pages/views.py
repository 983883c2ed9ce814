"""Supplier console: products (list, search, CSV export, create, edit), SKUs, stock and imports.

Thin: parse a form, call one service or selector, render. Another supplier's product or
import answers 404 (the selectors raise NotFound, mapped here to Http404).
"""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.catalog import selectors, services
from linkmall.catalog.importing import template_csv
from linkmall.catalog.models import ImportJob, Product, Supplier
from linkmall.catalog.pages.forms import (
    ImageForm,
    ImportForm,
    NewProductForm,
    ProductForm,
    SkuFormSet,
    SkuPriceForm,
    SkuRowForm,
    StockForm,
    split_specs,
)
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, InvalidInput, NotFound
from linkmall.core.money import fen_to_yuan

supplier_staff = role_required(Role.SUPPLIER_STAFF)


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


@supplier_staff
def product_list(request):
    search, status = request.GET.get("q", "").strip()[:100], request.GET.get("status", "")
    if status not in Product.Status.values:
        status = ""
    if request.GET.get("format") == "csv":
        rows = selectors.sku_export_rows(actor=request.user, search=search, status=status)
        writer = csv.writer(_Echo())
        header = [_("商品ID"), _("商品名称"), _("分类"), _("状态"), _("SKU编码"), _("规格"), _("成本价"), _("建议零售价"),
                  _("库存"), _("SKU在售")]

        def lines():
            yield "\ufeff" + writer.writerow(header)
            for sku in rows.iterator(chunk_size=500):
                yield writer.writerow([
                    sku.product_id, sku.product.name, sku.product.category.name, sku.product.get_status_display(),
                    sku.code, "/".join(sku.spec.values()), fen_to_yuan(sku.cost_fen),
                    fen_to_yuan(sku.suggested_price_fen), sku.stock, _("是") if sku.is_active else _("否"),
                ])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="products.csv"'
        return response
    page = Paginator(selectors.product_list(actor=request.user, search=search, status=status),
                     selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/product_list.html", {
        "page": page, "q": search, "status": status, "statuses": Product.Status.choices, "nav": "products",
    })


def _sku_inputs(formset, spec_names: list[str]) -> list[dict]:
    """The filled SKU rows as service input; "白/M" is matched to the spec names by position."""
    skus = []
    for index, form in enumerate(formset):
        data = form.cleaned_data
        if not data:
            continue
        values = split_specs(data.get("spec", ""))
        if len(values) != len(spec_names):
            raise InvalidInput("Spec values do not match the spec names.", detail={"fields": {
                f"skus[{index}].spec": _("规格值的个数与规格名（%(names)s）不一致") % {"names": "/".join(spec_names) or "—"}}})
        skus.append({
            "code": data["code"],
            "spec": dict(zip(spec_names, values, strict=True)),
            "cost_fen": data["cost"], "suggested_price_fen": data["suggested_price"], "stock": data["stock"],
        })
    return skus


@supplier_staff
def product_create(request):
    form = NewProductForm(request.POST or None, request.FILES or None)
    formset = SkuFormSet(request.POST or None, prefix="skus")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        spec_names = split_specs(form.cleaned_data["spec_names"])
        try:
            if not any(f.cleaned_data for f in formset):
                raise InvalidInput("No SKU.", detail={"fields": {"skus": _("至少填写一个 SKU")}})
            product = services.product_create(
                actor=request.user, supplier=Supplier.objects.get(pk=request.user.tenant_id),
                category=form.cleaned_data["category"], name=form.cleaned_data["name"],
                subtitle=form.cleaned_data["subtitle"], description=form.cleaned_data["description"],
                spec_names=spec_names, skus=_sku_inputs(formset, spec_names),
                images=request.FILES.getlist("images"),
            )
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("商品已创建"))
            return redirect("catalog:product_edit", product_id=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "formset": formset, "nav": "new"})


@supplier_staff
def product_edit(request, product_id: int):
    product = _or_404(selectors.product_get, actor=request.user, product_id=product_id)
    form = ProductForm(request.POST or None, initial={
        "name": product.name, "category": product.category, "subtitle": product.subtitle,
        "description": product.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(actor=request.user, product=product, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已保存"))
            return redirect("catalog:product_edit", product_id=product.pk)
    return render(request, "catalog/product_edit.html", {
        "product": product, "form": form, "image_form": ImageForm(), "sku_form": SkuRowForm(prefix="new"),
        "skus": [(sku, SkuPriceForm(prefix=f"sku{sku.pk}", initial={
            "cost": fen_to_yuan(sku.cost_fen), "suggested_price": fen_to_yuan(sku.suggested_price_fen),
            "is_active": sku.is_active}), StockForm(prefix=f"stock{sku.pk}")) for sku in product.skus.all()],
        "nav": "products",
    })


@supplier_staff
@require_POST
def product_status(request, product_id: int):
    product = _or_404(selectors.product_get, actor=request.user, product_id=product_id)
    if request.POST.get("action") == "archive":
        services.product_archive(actor=request.user, product=product)
        messages.success(request, _("商品已下架"))
    else:
        services.product_restore(actor=request.user, product=product)
        messages.success(request, _("商品已上架"))
    return redirect("catalog:product_edit", product_id=product.pk)


@supplier_staff
@require_POST
def product_image_add(request, product_id: int):
    product = _or_404(selectors.product_get, actor=request.user, product_id=product_id)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.product_image_add(actor=request.user, product=product, image=form.cleaned_data["image"])
            messages.success(request, _("图片已添加"))
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("请选择图片"))
    return redirect("catalog:product_edit", product_id=product.pk)


@supplier_staff
@require_POST
def sku_add(request, product_id: int):
    product = _or_404(selectors.product_get, actor=request.user, product_id=product_id)
    form = SkuRowForm(request.POST, prefix="new")
    if not form.is_valid():
        messages.error(request, "；".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
        return redirect("catalog:product_edit", product_id=product.pk)
    try:
        (sku,) = _sku_inputs([form], product.spec_names)
        services.sku_create(actor=request.user, product=product, **sku)
        messages.success(request, _("SKU 已添加"))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("catalog:product_edit", product_id=product.pk)


@supplier_staff
@require_POST
def sku_save(request, sku_id: int):
    sku = _or_404(selectors.sku_get, actor=request.user, sku_id=sku_id)
    form = SkuPriceForm(request.POST, prefix=f"sku{sku.pk}")
    if form.is_valid():
        try:
            services.sku_update(actor=request.user, sku=sku, cost_fen=form.cleaned_data["cost"],
                                suggested_price_fen=form.cleaned_data["suggested_price"],
                                is_active=form.cleaned_data["is_active"])
            messages.success(request, _("SKU %(code)s 已保存") % {"code": sku.code})
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, "；".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
    return redirect("catalog:product_edit", product_id=sku.product_id)


@supplier_staff
@require_POST
def sku_stock(request, sku_id: int):
    sku = _or_404(selectors.sku_get, actor=request.user, sku_id=sku_id)
    form = StockForm(request.POST, prefix=f"stock{sku.pk}")
    if form.is_valid():
        try:
            stock = services.sku_stock_adjust(actor=request.user, sku=sku, delta=form.cleaned_data["delta"])
            messages.success(request, _("SKU %(code)s 库存现为 %(n)s") % {"code": sku.code, "n": stock})
        except DomainError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, _("请输入整数"))
    return redirect("catalog:product_edit", product_id=sku.product_id)


@supplier_staff
def import_list(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(actor=request.user, supplier=Supplier.objects.get(pk=request.user.tenant_id),
                                             upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", _error_text(exc))
        else:
            return redirect("catalog:import_detail", job_id=job.pk)
    jobs = selectors.import_job_list(actor=request.user)[:20]
    return render(request, "catalog/import_list.html", {"form": form, "jobs": jobs, "nav": "imports"})


@supplier_staff
def import_detail(request, job_id: int):
    job = _or_404(selectors.import_job_get, actor=request.user, job_id=job_id)
    template = "catalog/_import_progress.html" if request.headers.get("HX-Request") else "catalog/import_detail.html"
    return render(request, template, {"job": job, "nav": "imports", "finished": job.status in (
        ImportJob.Status.DONE, ImportJob.Status.FAILED)})


@supplier_staff
def import_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog-import-template.csv"'
    return response
