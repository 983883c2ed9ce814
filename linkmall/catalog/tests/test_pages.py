import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linkmall.catalog.models import ImportJob, Product, Sku
from linkmall.core.tasks import run_due
from linkmall.testing import (
    make_category,
    make_merchant,
    make_merchant_owner,
    make_product,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db
CONSOLE = "/console/supplier"


@pytest.fixture
def supplier():
    return make_supplier()


@pytest.fixture
def staff_client(client, supplier):
    client.force_login(make_supplier_staff(supplier))
    return client


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(f"{CONSOLE}/")
    assert response.status_code == 302
    assert "next=/console/supplier/" in response["Location"]


def test_merchants_may_not_open_the_supplier_console(client):
    client.force_login(make_merchant_owner(make_merchant()))
    assert client.get(f"{CONSOLE}/").status_code == 403


def test_the_product_list_shows_only_own_products_in_a_fixed_number_of_queries(staff_client, supplier,
                                                                             django_assert_num_queries):
    for i in range(3):
        make_product(supplier, name=f"自家商品{i}", skus=2)
    make_product(make_supplier(), name="别家商品")
    with django_assert_num_queries(4):  # session, user, count, page
        response = staff_client.get(f"{CONSOLE}/")
    body = response.content.decode()
    assert body.count("自家商品") == 3
    assert "别家商品" not in body


def test_the_product_list_searches(staff_client, supplier):
    make_product(supplier, name="口红")
    make_product(supplier, name="面霜")
    body = staff_client.get(f"{CONSOLE}/?q=口红").content.decode()
    assert "口红" in body and "面霜" not in body


def test_csv_export_lists_every_sku_of_own_products(staff_client, supplier):
    make_product(supplier, name="口红", skus=2, cost_fen=3550)
    make_product(make_supplier(), name="别家商品")
    response = staff_client.get(f"{CONSOLE}/?format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("商品ID,商品名称,分类")
    assert len(lines) == 3
    assert all("口红" in line and "35.50" in line for line in lines[1:])


def test_create_a_product_with_skus_through_the_form(staff_client, supplier):
    category = make_category("服饰")
    response = staff_client.post(f"{CONSOLE}/products/new/", {
        "name": "T恤", "category": category.pk, "subtitle": "", "description": "", "spec_names": "颜色/尺码",
        "skus-TOTAL_FORMS": "3", "skus-INITIAL_FORMS": "0", "skus-MIN_NUM_FORMS": "0", "skus-MAX_NUM_FORMS": "50",
        "skus-0-code": "T-W-M", "skus-0-spec": "白/M", "skus-0-cost": "35", "skus-0-suggested_price": "79.90",
        "skus-0-stock": "10",
        "skus-1-code": "T-W-L", "skus-1-spec": "白/L", "skus-1-cost": "35", "skus-1-suggested_price": "79.90",
        "skus-1-stock": "0",
    })
    product = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{CONSOLE}/products/{product.pk}/"
    assert list(product.skus.order_by("code").values_list("code", "spec", "cost_fen", "suggested_price_fen", "stock")) == [
        ("T-W-L", {"颜色": "白", "尺码": "L"}, 3500, 7990, 0), ("T-W-M", {"颜色": "白", "尺码": "M"}, 3500, 7990, 10)]


def test_a_product_form_with_a_bad_spec_shows_the_error_and_creates_nothing(staff_client):
    category = make_category("服饰")
    response = staff_client.post(f"{CONSOLE}/products/new/", {
        "name": "T恤", "category": category.pk, "spec_names": "颜色/尺码",
        "skus-TOTAL_FORMS": "1", "skus-INITIAL_FORMS": "0", "skus-MIN_NUM_FORMS": "0", "skus-MAX_NUM_FORMS": "50",
        "skus-0-code": "T-W", "skus-0-spec": "白", "skus-0-cost": "35", "skus-0-suggested_price": "79",
        "skus-0-stock": "1",
    })
    assert response.status_code == 200
    assert "规格值的个数与规格名（颜色/尺码）不一致" in response.content.decode()
    assert Product.objects.count() == 0


def test_another_suppliers_product_pages_answer_404_and_change_nothing(staff_client):
    product = make_product(make_supplier(), name="原名", stock=5)
    sku = product.skus.get()
    assert staff_client.get(f"{CONSOLE}/products/{product.pk}/").status_code == 404
    assert staff_client.post(f"{CONSOLE}/products/{product.pk}/", {"name": "改"}).status_code == 404
    assert staff_client.post(f"{CONSOLE}/products/{product.pk}/status/", {"action": "archive"}).status_code == 404
    assert staff_client.post(f"{CONSOLE}/skus/{sku.pk}/stock/", {f"stock{sku.pk}-delta": "50"}).status_code == 404
    assert staff_client.post(f"{CONSOLE}/skus/{sku.pk}/", {f"sku{sku.pk}-cost": "1", f"sku{sku.pk}-suggested_price": "2"}
                             ).status_code == 404
    product.refresh_from_db()
    sku.refresh_from_db()
    assert (product.name, product.status, sku.stock, sku.cost_fen) == ("原名", "active", 5, 5000)


def test_edit_a_product_adjust_stock_and_archive(staff_client, supplier):
    product = make_product(supplier, name="原名", stock=5)
    sku = product.skus.get()
    assert staff_client.get(f"{CONSOLE}/products/{product.pk}/").status_code == 200
    staff_client.post(f"{CONSOLE}/products/{product.pk}/", {"name": "新名", "category": product.category_id})
    staff_client.post(f"{CONSOLE}/skus/{sku.pk}/stock/", {f"stock{sku.pk}-delta": "-2"})
    response = staff_client.post(f"{CONSOLE}/skus/{sku.pk}/stock/", {f"stock{sku.pk}-delta": "-9"}, follow=True)
    assert "库存不足，当前库存 3" in response.content.decode()
    staff_client.post(f"{CONSOLE}/skus/{sku.pk}/", {f"sku{sku.pk}-cost": "40.5", f"sku{sku.pk}-suggested_price": "99",
                                                   f"sku{sku.pk}-is_active": "on"})
    staff_client.post(f"{CONSOLE}/products/{product.pk}/status/", {"action": "archive"})
    product.refresh_from_db()
    sku.refresh_from_db()
    assert (product.name, product.status, sku.stock, sku.cost_fen, sku.suggested_price_fen) == (
        "新名", "archived", 3, 4050, 9900)


def test_import_upload_shows_progress_and_the_row_report(staff_client, supplier):
    category = make_category("服饰")
    body = f"商品名称,分类,SKU编码,成本价,建议零售价,库存\nT恤,{category.slug},A,1,2,3\n裤子,{category.slug},B,1,0,3\n"
    response = staff_client.post(f"{CONSOLE}/imports/", {"file": SimpleUploadedFile("goods.csv", body.encode())})
    job = ImportJob.objects.get()
    assert response["Location"] == f"{CONSOLE}/imports/{job.pk}/"
    queued = staff_client.get(f"{CONSOLE}/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in queued
    run_due()
    done = staff_client.get(f"{CONSOLE}/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "必须大于 0" in done
    assert list(Sku.objects.values_list("code", flat=True)) == ["A"]


def test_another_suppliers_import_answers_404(staff_client):
    other = make_supplier()
    job = ImportJob.objects.create(supplier=other, original_name="x.csv", file="imports/x.csv")
    assert staff_client.get(f"{CONSOLE}/imports/{job.pk}/").status_code == 404


def test_the_template_downloads(staff_client):
    response = staff_client.get(f"{CONSOLE}/imports/template.csv")
    assert response.content.decode("utf-8-sig").startswith("商品编码,商品名称")
