"""Reads of the catalog for supplier staff (their own products only) and for everyone (categories)."""

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Category, ImportJob, Product, ProductImage, Sku
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied

PAGE_SIZE = 20


def supplier_id_of(*, actor: User, supplier_id: int | None = None) -> int:
    """Whose catalog the actor works on: their own supplier, or (platform staff) the one they name."""
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    if actor.role == Role.PLATFORM:
        if supplier_id is None:
            raise InvalidInput("Name the supplier.", detail={"fields": {"supplier_id": "必填"}})
        return supplier_id
    if actor.tenant_id is None:  # supplier staff always have one (constraint staff_roles_have_a_tenant)
        raise PermissionDenied("Your account belongs to no supplier.")
    return actor.tenant_id


def category_list() -> list[Category]:
    return list(Category.objects.order_by("position", "id"))


def category_get(*, category_id: int | None = None, slug: str | None = None) -> Category:
    category = Category.objects.filter(pk=category_id).first() if category_id else Category.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound("No such category.")
    return category


def product_list(*, actor: User, supplier_id: int | None = None, search: str = "", status: str = "") -> QuerySet[Product]:
    """The supplier's products, newest first, with SKU count, total stock and lowest suggested price."""
    owner = supplier_id_of(actor=actor, supplier_id=supplier_id)
    rows = Product.objects.filter(supplier_id=owner).select_related("category")
    search = (search or "").strip()
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(skus__code__iexact=search)).distinct()
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(
        sku_count=Count("skus"), total_stock=Sum("skus__stock"), min_suggested_price_fen=Min("skus__suggested_price_fen")
    ).order_by("-created_at", "-pk")


def product_get(*, actor: User, product_id: int) -> Product:
    """A product with its category, images and SKUs (three queries). Other suppliers' products: not found."""
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    product = (
        Product.objects.select_related("category", "supplier")
        .prefetch_related(Prefetch("skus", queryset=Sku.objects.order_by("pk")),
                          Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")))
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound("No such product.", detail={"product_id": product_id})
    require_tenant(actor, product.supplier_id, what="product")
    return product


def sku_get(*, actor: User, sku_id: int) -> Sku:
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    sku = Sku.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound("No such SKU.", detail={"sku_id": sku_id})
    require_tenant(actor, sku.supplier_id, what="SKU")
    return sku


def product_image_get(*, actor: User, image_id: int) -> ProductImage:
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    image = ProductImage.objects.select_related("product").filter(pk=image_id).first()
    if image is None:
        raise NotFound("No such image.")
    require_tenant(actor, image.product.supplier_id, what="image")
    return image


def sku_export_rows(*, actor: User, supplier_id: int | None = None, search: str = "", status: str = "") -> QuerySet[Sku]:
    """Every SKU of the supplier's (filtered) products, for CSV export. One query."""
    products = product_list(actor=actor, supplier_id=supplier_id, search=search, status=status)
    return (
        Sku.objects.filter(product__in=products.values("pk"))
        .select_related("product", "product__category")
        .order_by("product_id", "pk")
    )


def import_job_list(*, actor: User, supplier_id: int | None = None) -> QuerySet[ImportJob]:
    owner = supplier_id_of(actor=actor, supplier_id=supplier_id)
    return ImportJob.objects.filter(supplier_id=owner).order_by("-created_at", "-pk")


def import_job_get(*, actor: User, job_id: int) -> ImportJob:
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such import.", detail={"job_id": job_id})
    require_tenant(actor, job.supplier_id, what="import")
    return job
