"""/api/v1/catalog: categories (public); products, SKUs, stock and imports (supplier staff, own catalog only)."""

from django.http import HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from linkmall.accounts.auth import api_auth
from linkmall.catalog import selectors, services
from linkmall.catalog.importing import template_csv
from linkmall.catalog.models import Supplier
from linkmall.catalog.schemas import (
    CategoryOut,
    ImageOut,
    ImportJobOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    SkuIn,
    SkuOut,
    SkuPatch,
    StockAdjustIn,
    StockOut,
)
from linkmall.catalog.services.validation import SkuInput
from linkmall.core.errors import NotFound
from linkmall.core.paging import paginate_clamped

router = Router(tags=["catalog"])


def _supplier(actor, supplier_id: int | None = None) -> Supplier:
    pk = selectors.supplier_id_of(actor=actor, supplier_id=supplier_id)
    supplier = Supplier.objects.filter(pk=pk).first()
    if supplier is None:
        raise NotFound("No such supplier.")
    return supplier


@router.get("/categories", response=list[CategoryOut])
def list_categories(request):
    return selectors.category_list()


@router.get("/products", response=ProductPage, auth=api_auth)
def list_products(request, search: str = "", status: str = "", page: int = 1, supplier_id: int | None = None):
    rows = selectors.product_list(actor=request.auth, supplier_id=supplier_id, search=search, status=status)
    return paginate_clamped(rows, page=page, page_size=selectors.PAGE_SIZE)


@router.post("/products", response={201: ProductOut}, auth=api_auth)
def create_product(request, payload: ProductIn):
    supplier = _supplier(request.auth, payload.supplier_id)
    product = services.product_create(
        actor=request.auth, supplier=supplier, category=selectors.category_get(category_id=payload.category_id),
        name=payload.name, subtitle=payload.subtitle, description=payload.description,
        spec_names=payload.spec_names,
        skus=[SkuInput(code=s.code, spec=s.spec, cost_fen=s.cost_fen, suggested_price_fen=s.suggested_price_fen,
                       stock=s.stock) for s in payload.skus],
    )
    return Status(201, selectors.product_get(actor=request.auth, product_id=product.pk))


@router.get("/products/{product_id}", response=ProductOut, auth=api_auth)
def get_product(request, product_id: int):
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.patch("/products/{product_id}", response=ProductOut, auth=api_auth)
def update_product(request, product_id: int, payload: ProductPatch):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    changes = payload.dict(exclude_unset=True, exclude={"category_id"})
    if payload.category_id is not None:
        changes["category"] = selectors.category_get(category_id=payload.category_id)
    services.product_update(actor=request.auth, product=product, **changes)
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.post("/products/{product_id}/archive", response=ProductOut, auth=api_auth)
def archive_product(request, product_id: int):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    services.product_archive(actor=request.auth, product=product)
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.post("/products/{product_id}/restore", response=ProductOut, auth=api_auth)
def restore_product(request, product_id: int):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    services.product_restore(actor=request.auth, product=product)
    return selectors.product_get(actor=request.auth, product_id=product_id)


@router.post("/products/{product_id}/images", response={201: ImageOut}, auth=api_auth)
def add_product_image(request, product_id: int, image: File[UploadedFile]):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    return Status(201, services.product_image_add(actor=request.auth, product=product, image=image))


@router.delete("/images/{image_id}", response={204: None}, auth=api_auth)
def delete_product_image(request, image_id: int):
    image = selectors.product_image_get(actor=request.auth, image_id=image_id)
    services.product_image_delete(actor=request.auth, image=image)
    return Status(204, None)


@router.post("/products/{product_id}/skus", response={201: SkuOut}, auth=api_auth)
def create_sku(request, product_id: int, payload: SkuIn):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    return Status(201, services.sku_create(actor=request.auth, product=product, **payload.dict()))


@router.get("/skus/{sku_id}", response=SkuOut, auth=api_auth)
def get_sku(request, sku_id: int):
    return selectors.sku_get(actor=request.auth, sku_id=sku_id)


@router.patch("/skus/{sku_id}", response=SkuOut, auth=api_auth)
def update_sku(request, sku_id: int, payload: SkuPatch):
    sku = selectors.sku_get(actor=request.auth, sku_id=sku_id)
    return services.sku_update(actor=request.auth, sku=sku, **payload.dict(exclude_unset=True))


@router.post("/skus/{sku_id}/stock", response=StockOut, auth=api_auth)
def adjust_stock(request, sku_id: int, payload: StockAdjustIn):
    sku = selectors.sku_get(actor=request.auth, sku_id=sku_id)
    stock = services.sku_stock_adjust(actor=request.auth, sku=sku, delta=payload.delta)
    return {"sku_id": sku.pk, "stock": stock}


@router.get("/imports/template.csv", auth=None)
def import_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog-import-template.csv"'
    return response


@router.post("/imports", response={201: ImportJobOut}, auth=api_auth)
def create_import(request, file: File[UploadedFile], supplier_id: Form[int | None] = None):
    supplier = _supplier(request.auth, supplier_id)
    return Status(201, services.import_job_create(actor=request.auth, supplier=supplier, upload=file))


@router.get("/imports", response=list[ImportJobOut], auth=api_auth)
def list_imports(request, supplier_id: int | None = None):
    return list(selectors.import_job_list(actor=request.auth, supplier_id=supplier_id)[:50])


@router.get("/imports/{job_id}", response=ImportJobOut, auth=api_auth)
def get_import(request, job_id: int):
    return selectors.import_job_get(actor=request.auth, job_id=job_id)
