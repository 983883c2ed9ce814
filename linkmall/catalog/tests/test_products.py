import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linkmall.accounts.models import Tenant
from linkmall.catalog.models import Category, Product, ProductImage, Sku, Supplier
from linkmall.catalog.services import (
    category_ensure,
    product_archive,
    product_create,
    product_image_add,
    product_restore,
    product_update,
    sku_create,
    sku_update,
    supplier_create,
)
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.testing import (
    make_category,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db


def png(name="a.png"):
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def shirt_skus():
    return [
        {"code": "TS-R-M", "spec": {"颜色": "红", "尺码": "M"}, "cost_fen": 3000, "suggested_price_fen": 7900, "stock": 5},
        {"code": "TS-R-L", "spec": {"颜色": "红", "尺码": "L"}, "cost_fen": 3000, "suggested_price_fen": 7900, "stock": 0},
    ]


@pytest.fixture
def supplier():
    return make_supplier()


@pytest.fixture
def staff(supplier):
    return make_supplier_staff(supplier)


def create_shirt(staff, supplier, **overrides):
    kwargs = dict(actor=staff, supplier=supplier, category=make_category("服饰"), name="T恤", spec_names=["颜色", "尺码"],
                  skus=shirt_skus())
    kwargs.update(overrides)
    return product_create(**kwargs)


def test_supplier_create_makes_the_tenant_too():
    supplier = supplier_create(name="杭州好物", contact_phone="0571-1234", return_address="杭州市余杭区")
    assert supplier.tenant.kind == Tenant.Kind.SUPPLIER
    assert supplier.tenant.name == "杭州好物"
    assert supplier.pk == supplier.tenant.pk


def test_supplier_without_a_name_is_refused_and_nothing_is_created():
    with pytest.raises(InvalidInput):
        supplier_create(name="  ")
    assert Tenant.objects.count() == 0
    assert Supplier.objects.count() == 0


def test_category_ensure_creates_once_and_then_follows_the_name():
    first = category_ensure(name="美妆", slug="beauty")
    again = category_ensure(name="美妆个护", slug="Beauty")
    assert again.pk == first.pk
    assert Category.objects.get(pk=first.pk).name == "美妆个护"
    child = category_ensure(name="口红", slug="lipstick", parent=first)
    assert child.parent == first


@pytest.mark.parametrize("slug", ["", "有中文", "a b", "x" * 51])
def test_category_ensure_refuses_bad_slugs(slug):
    with pytest.raises(InvalidInput):
        category_ensure(name="美妆", slug=slug)
    assert Category.objects.count() == 0


def test_product_create_stores_the_product_its_skus_and_images(staff, supplier):
    product = create_shirt(staff, supplier, images=[png("front.png"), png("back.png")])
    assert product.spec_names == ["颜色", "尺码"]
    skus = list(product.skus.order_by("code").values_list("code", "spec", "cost_fen", "suggested_price_fen", "stock",
                                                        "supplier_id"))
    assert skus == [
        ("TS-R-L", {"颜色": "红", "尺码": "L"}, 3000, 7900, 0, supplier.pk),
        ("TS-R-M", {"颜色": "红", "尺码": "M"}, 3000, 7900, 5, supplier.pk),
    ]
    images = list(product.images.all())
    assert [i.position for i in images] == [0, 1]
    assert images[0].image.name.startswith("products/") and images[0].image.name.endswith(".png")


def test_a_sku_whose_spec_keys_differ_from_the_spec_names_is_refused_and_nothing_is_created(staff, supplier):
    skus = shirt_skus()
    skus[1]["spec"] = {"颜色": "红"}
    with pytest.raises(InvalidInput) as refused:
        create_shirt(staff, supplier, skus=skus)
    assert list(refused.value.detail["fields"]) == ["skus[1].spec"]
    assert Product.objects.count() == 0
    assert Sku.objects.count() == 0


def test_two_skus_with_the_same_spec_are_refused(staff, supplier):
    skus = shirt_skus()
    skus[1]["spec"] = {"颜色": "红", "尺码": "M"}
    with pytest.raises(InvalidInput) as refused:
        create_shirt(staff, supplier, skus=skus)
    assert refused.value.detail["fields"] == {"skus[1].spec": "同一商品内规格重复"}
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    "field,value",
    [("cost_fen", -1), ("suggested_price_fen", 0), ("stock", -1), ("cost_fen", 12.5), ("code", ""), ("stock", "9")],
)
def test_bad_sku_numbers_and_codes_are_refused(staff, supplier, field, value):
    skus = shirt_skus()
    skus[0][field] = value
    with pytest.raises(InvalidInput) as refused:
        create_shirt(staff, supplier, skus=skus)
    assert list(refused.value.detail["fields"]) == [f"skus[0].{field}"]
    assert Sku.objects.count() == 0


def test_a_product_needs_a_name_and_at_least_one_sku(staff, supplier):
    with pytest.raises(InvalidInput):
        create_shirt(staff, supplier, name="")
    with pytest.raises(InvalidInput):
        create_shirt(staff, supplier, skus=[])
    assert Product.objects.count() == 0


def test_sku_codes_are_unique_per_supplier_but_may_repeat_across_suppliers(staff, supplier):
    create_shirt(staff, supplier)
    with pytest.raises(Conflict) as refused:
        create_shirt(staff, supplier, name="另一件")
    assert refused.value.code == "sku_code_taken"
    assert refused.value.detail == {"codes": ["TS-R-L", "TS-R-M"]}
    assert Product.objects.count() == 1
    other = make_supplier()
    create_shirt(make_supplier_staff(other), other)
    assert Sku.objects.filter(code="TS-R-M").count() == 2


def test_a_file_that_is_not_an_image_is_refused(staff, supplier):
    with pytest.raises(InvalidInput):
        create_shirt(staff, supplier, images=[SimpleUploadedFile("x.png", b"not an image")])
    assert Product.objects.count() == 0


def test_another_suppliers_staff_cannot_create_products_for_this_supplier(supplier):
    with pytest.raises(NotFound):
        create_shirt(make_supplier_staff(make_supplier()), supplier)
    assert Product.objects.count() == 0


def test_a_merchant_cannot_create_products(supplier):
    with pytest.raises(PermissionDenied):
        create_shirt(make_merchant_owner(make_merchant()), supplier)


def test_product_update_changes_only_the_given_fields(staff, supplier):
    product = create_shirt(staff, supplier, subtitle="纯棉")
    food = make_category("食品")
    updated = product_update(actor=staff, product=product, name="新T恤", category=food)
    product.refresh_from_db()
    assert (product.name, product.subtitle, product.category) == ("新T恤", "纯棉", food)
    assert updated.name == "新T恤"


def test_another_supplier_cannot_update_or_archive_the_product(staff, supplier):
    product = create_shirt(staff, supplier)
    intruder = make_supplier_staff(make_supplier())
    with pytest.raises(NotFound):
        product_update(actor=intruder, product=product, name="改掉")
    with pytest.raises(NotFound):
        product_archive(actor=intruder, product=product)
    product.refresh_from_db()
    assert (product.name, product.status) == ("T恤", Product.Status.ACTIVE)


def test_archive_and_restore(staff, supplier):
    product = create_shirt(staff, supplier)
    assert product_archive(actor=staff, product=product).status == Product.Status.ARCHIVED
    assert product_restore(actor=staff, product=product).status == Product.Status.ACTIVE


def test_sku_create_adds_a_sku_with_a_new_spec(staff, supplier):
    product = create_shirt(staff, supplier)
    sku = sku_create(actor=staff, product=product, code="TS-B-M", spec={"颜色": "蓝", "尺码": "M"}, cost_fen=3000,
                     suggested_price_fen=7900, stock=3)
    assert (sku.product_id, sku.supplier_id, sku.stock) == (product.pk, supplier.pk, 3)


def test_sku_create_refuses_a_spec_the_product_already_has(staff, supplier):
    product = create_shirt(staff, supplier)
    with pytest.raises(InvalidInput):
        sku_create(actor=staff, product=product, code="TS-X", spec={"颜色": "红", "尺码": "M"}, cost_fen=1,
                   suggested_price_fen=2)
    assert product.skus.count() == 2


def test_sku_update_changes_prices_and_availability_but_never_stock(staff, supplier):
    sku = make_product(supplier, stock=9).skus.get()
    updated = sku_update(actor=staff, sku=sku, cost_fen=100, suggested_price_fen=200, is_active=False)
    assert (updated.cost_fen, updated.suggested_price_fen, updated.is_active, updated.stock) == (100, 200, False, 9)


def test_sku_update_refuses_a_negative_cost_and_changes_nothing(staff, supplier):
    sku = make_product(supplier, cost_fen=5000).skus.get()
    with pytest.raises(InvalidInput):
        sku_update(actor=staff, sku=sku, cost_fen=-5, suggested_price_fen=100)
    sku.refresh_from_db()
    assert (sku.cost_fen, sku.suggested_price_fen) == (5000, 9900)


def test_another_supplier_cannot_update_a_sku(supplier):
    sku = make_product(supplier).skus.get()
    with pytest.raises(NotFound):
        sku_update(actor=make_supplier_staff(make_supplier()), sku=sku, cost_fen=1)
    sku.refresh_from_db()
    assert sku.cost_fen == 5000


def test_product_image_add_appends_at_the_end(staff, supplier):
    product = create_shirt(staff, supplier, images=["products/existing.jpg"])
    image = product_image_add(actor=staff, product=product, image=png())
    assert [i.position for i in ProductImage.objects.filter(product=product)] == [0, 1]
    assert image.position == 1
