"""Reads for a merchant owner's console and API: their stores, guides and picks, and the supplier
catalog to pick from. Other merchants' objects are "not found"."""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Product, Sku
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.stores.models import Guide, Listing, Store


def merchant_id_of(*, actor: User, merchant_id: int | None = None) -> int:
    """Whose shop the actor works on: their own merchant, or (platform staff) the one they name."""
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    if actor.role == Role.PLATFORM:
        if merchant_id is None:
            raise InvalidInput("Name the merchant.", detail={"fields": {"merchant_id": "必填"}})
        return merchant_id
    if actor.tenant_id is None:  # a merchant owner always has one (constraint staff_roles_have_a_tenant)
        raise PermissionDenied("Your account belongs to no merchant.")
    return actor.tenant_id


def merchant_store_list(*, actor: User, merchant_id: int | None = None) -> QuerySet[Store]:
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    return Store.objects.filter(merchant_id=owner).order_by("pk")


def merchant_store_get(*, actor: User, store_id: int) -> Store:
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound("No such store.", detail={"store_id": store_id})
    require_tenant(actor, store.merchant_id, what="store")
    return store


def guide_list(*, actor: User, merchant_id: int | None = None) -> QuerySet[Guide]:
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    return Guide.objects.filter(merchant_id=owner).select_related("user", "store").order_by("pk")


def guide_get(*, actor: User, guide_id: int) -> Guide:
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    guide = Guide.objects.select_related("user", "store").filter(pk=guide_id).first()
    if guide is None:
        raise NotFound("No such guide.", detail={"guide_id": guide_id})
    require_tenant(actor, guide.merchant_id, what="guide")
    return guide


def listing_list(*, actor: User, merchant_id: int | None = None, search: str = "",
                 active: bool | None = None) -> QuerySet[Listing]:
    """The merchant's picks with the supplier SKU's live stock and cost. One query."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    rows = Listing.objects.filter(merchant_id=owner).select_related("sku", "product", "sku__supplier")
    search = (search or "").strip()
    if search:
        rows = rows.filter(Q(product__name__icontains=search) | Q(sku__code__iexact=search))
    if active is not None:
        rows = rows.filter(is_active=active)
    return rows.order_by("-updated_at", "-pk")


def listing_get(*, actor: User, listing_id: int) -> Listing:
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    listing = Listing.objects.select_related("sku", "product", "sku__supplier").filter(pk=listing_id).first()
    if listing is None:
        raise NotFound("No such listing.", detail={"listing_id": listing_id})
    require_tenant(actor, listing.merchant_id, what="listing")
    return listing


def pickable_skus(*, actor: User, merchant_id: int | None = None, search: str = "",
                  category_slug: str = "") -> QuerySet[Sku]:
    """Every supplier SKU on sale, with cost, suggested price, live stock and this merchant's own
    pick (`my_listing_id`, `my_price_fen`, `my_pool_fen`, `my_listing_active`) if any. One query."""
    owner = merchant_id_of(actor=actor, merchant_id=merchant_id)
    mine = Listing.objects.filter(merchant_id=owner, sku_id=OuterRef("pk"))
    rows = (
        Sku.objects.filter(is_active=True, product__status=Product.Status.ACTIVE)
        .select_related("product", "product__category", "supplier")
        .annotate(
            my_listing_id=Subquery(mine.values("pk")[:1]),
            my_price_fen=Subquery(mine.values("price_fen")[:1]),
            my_pool_fen=Subquery(mine.values("pool_fen")[:1]),
            my_listing_active=Subquery(mine.values("is_active")[:1]),
            margin_fen=F("suggested_price_fen") - F("cost_fen"),
        )
    )
    search = (search or "").strip()
    if search:
        rows = rows.filter(Q(product__name__icontains=search) | Q(code__iexact=search) | Q(supplier__name__icontains=search))
    if category_slug:
        rows = rows.filter(Q(product__category__slug=category_slug) | Q(product__category__parent__slug=category_slug))
    return rows.order_by("product_id", "pk")


def pickable_sku_get(*, actor: User, sku_id: int) -> Sku:
    """A supplier SKU a merchant may look at and pick (any supplier's: the catalog is shared)."""
    require_role(actor, Role.MERCHANT_OWNER, Role.PLATFORM)
    sku = Sku.objects.select_related("product", "supplier").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound("No such SKU.", detail={"sku_id": sku_id})
    return sku
