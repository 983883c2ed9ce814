"""Products and their SKUs, written by the supplier's staff (or platform staff)."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction

from linkmall.accounts.models import Role, User
from linkmall.accounts.tenancy import require_role, require_tenant
from linkmall.catalog.models import Category, Product, ProductImage, Sku, Supplier
from linkmall.catalog.services.validation import (
    MAX_PRICE_FEN,
    CleanSku,
    SkuInput,
    clean_int,
    clean_skus,
    clean_spec_names,
    clean_text,
)
from linkmall.core import clock
from linkmall.core.errors import Conflict, InvalidInput, NotFound
from linkmall.core.locking import lock_one

MAX_IMAGES = 9
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _require_supplier_staff(actor: User, supplier_id: int, what: str) -> None:
    require_role(actor, Role.SUPPLIER_STAFF, Role.PLATFORM)
    require_tenant(actor, supplier_id, what=what)


def _clean_product_fields(*, name: Any, subtitle: Any, description: Any) -> tuple[dict, dict]:
    values, errors = {}, {}
    for field_name, value, max_length, required in (
        ("name", name, 120, True),
        ("subtitle", subtitle, 200, False),
        ("description", description, 20_000, False),
    ):
        if value is None:
            continue
        values[field_name], err = clean_text(value, max_length=max_length, required=required)
        if err:
            errors[field_name] = err
    return values, errors


def _clean_image(image: Any, index: int) -> File | str:
    """An uploaded image file (checked with Pillow) or the storage name of one already stored."""
    if isinstance(image, str):
        name = image.strip()
        if not name or len(name) > 100 or ".." in name or name.startswith("/"):
            raise InvalidInput("An image name is not valid.", detail={"fields": {f"images[{index}]": "图片路径不正确"}})
        return name
    if getattr(image, "size", 0) > MAX_IMAGE_BYTES:
        raise InvalidInput("An image is too large.", detail={"fields": {f"images[{index}]": "图片不能超过 5MB"}})
    try:
        return forms.ImageField().clean(image)
    except ValidationError as exc:
        raise InvalidInput("An image is not valid.", detail={"fields": {f"images[{index}]": exc.messages[0]}}) from None


def _save_images(product: Product, images: Sequence[File | str], first_position: int) -> None:
    for offset, image in enumerate(images):
        row = ProductImage(product=product, position=first_position + offset)
        if isinstance(image, str):
            row.image.name = image
            row.save()
        else:
            assert image.name is not None  # _clean_image let it through: forms.ImageField refuses a nameless file
            row.image.save(image.name, image, save=True)


def _insert_skus(product: Product, skus: list[CleanSku]) -> list[Sku]:
    taken = list(
        Sku.objects.filter(supplier_id=product.supplier_id, code__in=[s.code for s in skus]).values_list("code", flat=True)
    )
    if taken:
        raise Conflict("SKU codes are already used by this supplier.", code="sku_code_taken", detail={"codes": sorted(taken)})
    now = clock.now()
    return Sku.objects.bulk_create(
        [
            Sku(product=product, supplier_id=product.supplier_id, code=s.code, spec=s.spec, cost_fen=s.cost_fen,
                suggested_price_fen=s.suggested_price_fen, stock=s.stock, created_at=now)
            for s in skus
        ]
    )


def product_create(
    *,
    actor: User,
    supplier: Supplier,
    category: Category,
    name: str,
    subtitle: str = "",
    description: str = "",
    spec_names: Sequence[str] = (),
    skus: list[SkuInput],
    images: Sequence[File | str] = (),
) -> Product:
    """A product with its SKUs and images, all or nothing."""
    _require_supplier_staff(actor, supplier.pk, "supplier")
    values, errors = _clean_product_fields(name=name, subtitle=subtitle, description=description)
    names, err = clean_spec_names(list(spec_names) if not isinstance(spec_names, str) else spec_names)
    if err:
        errors["spec_names"] = err
    if category is None:
        errors["category"] = "必填"
    if len(images) > MAX_IMAGES:
        errors["images"] = f"最多 {MAX_IMAGES} 张图片"
    if errors:
        raise InvalidInput("The product is not valid.", detail={"fields": errors})
    clean = clean_skus(skus, spec_names=names)
    files = [_clean_image(image, i) for i, image in enumerate(images)]
    now = clock.now()
    try:
        with transaction.atomic():
            product = Product.objects.create(
                supplier=supplier, category=category, spec_names=names, created_at=now, updated_at=now, **values
            )
            _insert_skus(product, clean)
            _save_images(product, files, 0)
    except IntegrityError:  # a concurrent request took one of the codes after our check
        raise Conflict("SKU codes are already used by this supplier.", code="sku_code_taken") from None
    return product


def product_get_for_update(*, actor: User, product_id: int) -> Product:
    """Lock a product the actor may change (inside a transaction)."""
    try:
        product = lock_one(Product.objects.all(), product_id)
    except Product.DoesNotExist:
        raise NotFound("No such product.", detail={"product_id": product_id}) from None
    _require_supplier_staff(actor, product.supplier_id, "product")
    return product


def product_update(
    *,
    actor: User,
    product: Product,
    name: str | None = None,
    subtitle: str | None = None,
    description: str | None = None,
    category: Category | None = None,
) -> Product:
    _require_supplier_staff(actor, product.supplier_id, "product")
    values, errors = _clean_product_fields(name=name, subtitle=subtitle, description=description)
    if errors:
        raise InvalidInput("The product is not valid.", detail={"fields": errors})
    if category is not None:
        values["category"] = category
    with transaction.atomic():
        locked = product_get_for_update(actor=actor, product_id=product.pk)
        for field_name, value in values.items():
            setattr(locked, field_name, value)
        locked.updated_at = clock.now()
        locked.save()
    return locked


def _set_status(actor: User, product: Product, status: str) -> Product:
    _require_supplier_staff(actor, product.supplier_id, "product")
    with transaction.atomic():
        locked = product_get_for_update(actor=actor, product_id=product.pk)
        if locked.status != status:
            locked.status = status
            locked.updated_at = clock.now()
            locked.save(update_fields=["status", "updated_at"])
    return locked


def product_archive(*, actor: User, product: Product) -> Product:
    """Take a product off sale everywhere: store pages stop showing it and orders cannot buy it."""
    return _set_status(actor, product, Product.Status.ARCHIVED)


def product_restore(*, actor: User, product: Product) -> Product:
    return _set_status(actor, product, Product.Status.ACTIVE)


def product_image_add(*, actor: User, product: Product, image: File | str) -> ProductImage:
    _require_supplier_staff(actor, product.supplier_id, "product")
    clean = _clean_image(image, 0)
    with transaction.atomic():
        locked = product_get_for_update(actor=actor, product_id=product.pk)
        positions = list(locked.images.values_list("position", flat=True))
        if len(positions) >= MAX_IMAGES:
            raise Conflict(f"A product has at most {MAX_IMAGES} images.", code="too_many_images")
        _save_images(locked, [clean], max(positions, default=-1) + 1)
        added = locked.images.order_by("-position", "-id").first()
        assert added is not None  # saved just above, in this transaction
        return added


def product_image_delete(*, actor: User, image: ProductImage) -> None:
    _require_supplier_staff(actor, image.product.supplier_id, "image")
    ProductImage.objects.filter(pk=image.pk).delete()


def sku_create(
    *, actor: User, product: Product, code: str, spec: dict, cost_fen: int, suggested_price_fen: int, stock: int = 0
) -> Sku:
    """Add a SKU to a product; its spec must use the product's spec names and differ from its siblings'."""
    _require_supplier_staff(actor, product.supplier_id, "product")
    try:
        with transaction.atomic():
            locked = product_get_for_update(actor=actor, product_id=product.pk)
            siblings = [
                CleanSku(code=s.code, spec=s.spec, cost_fen=s.cost_fen, suggested_price_fen=s.suggested_price_fen,
                         stock=s.stock)
                for s in locked.skus.all()
            ]
            raw = {"code": code, "spec": spec, "cost_fen": cost_fen, "suggested_price_fen": suggested_price_fen,
                   "stock": stock}
            (clean,) = clean_skus([raw], spec_names=locked.spec_names, existing=siblings)
            (sku,) = _insert_skus(locked, [clean])
    except IntegrityError:
        raise Conflict("SKU codes are already used by this supplier.", code="sku_code_taken") from None
    return Sku.objects.get(pk=sku.pk)


def sku_update(
    *,
    actor: User,
    sku: Sku,
    cost_fen: int | None = None,
    suggested_price_fen: int | None = None,
    is_active: bool | None = None,
) -> Sku:
    """Change a SKU's cost, suggested price or whether it is for sale.

    Stock is not set here: it only moves through the guarded stock services.
    """
    _require_supplier_staff(actor, sku.supplier_id, "SKU")
    values, errors = {}, {}
    if cost_fen is not None:
        values["cost_fen"], err = clean_int(cost_fen, minimum=0, maximum=MAX_PRICE_FEN)
        if err:
            errors["cost_fen"] = err
    if suggested_price_fen is not None:
        values["suggested_price_fen"], err = clean_int(suggested_price_fen, minimum=1, maximum=MAX_PRICE_FEN)
        if err:
            errors["suggested_price_fen"] = err
    if is_active is not None:
        if not isinstance(is_active, bool):
            errors["is_active"] = "必须是 true 或 false"
        values["is_active"] = is_active
    if errors:
        raise InvalidInput("The SKU is not valid.", detail={"fields": errors})
    if values:
        # A plain UPDATE of the named columns: it never touches stock, which orders change concurrently.
        Sku.objects.filter(pk=sku.pk).update(**values)
    return Sku.objects.select_related("product").get(pk=sku.pk)
