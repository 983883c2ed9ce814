import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linkmall.accounts.services import api_token_issue
from linkmall.catalog.models import ImportJob, Product, ProductImage, Sku
from linkmall.core.tasks import run_due
from linkmall.testing import (
    make_category,
    make_merchant,
    make_merchant_owner,
    make_platform_user,
    make_product,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


@pytest.fixture
def supplier():
    return make_supplier()


@pytest.fixture
def auth(supplier):
    return bearer(make_supplier_staff(supplier))


@pytest.fixture
def intruder():
    return bearer(make_supplier_staff(make_supplier()))


def product_payload(category, **overrides):
    payload = {
        "category_id": category.pk, "name": "T恤", "subtitle": "纯棉", "spec_names": ["颜色"],
        "skus": [{"code": "T-W", "spec": {"颜色": "白"}, "cost_fen": 3500, "suggested_price_fen": 7900, "stock": 5},
                 {"code": "T-B", "spec": {"颜色": "黑"}, "cost_fen": 3500, "suggested_price_fen": 7900}],
    }
    payload.update(overrides)
    return payload


def test_categories_are_public(client):
    make_category("美妆")
    response = client.get(f"{API}/categories")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()] == ["美妆"]


def test_supplier_staff_create_a_product_with_skus(client, supplier, auth):
    response = client.post(f"{API}/products", product_payload(make_category()), content_type="application/json", **auth)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["supplier_id"], body["spec_names"], body["status"]) == ("T恤", supplier.pk, ["颜色"], "active")
    assert [(s["code"], s["spec"], s["cost"], s["suggested_price"], s["stock"]) for s in body["skus"]] == [
        ("T-W", {"颜色": "白"}, "35.00", "79.00", 5), ("T-B", {"颜色": "黑"}, "35.00", "79.00", 0)]


def test_an_invalid_product_answers_400_with_the_fields_and_creates_nothing(client, auth):
    payload = product_payload(make_category())
    payload["skus"][1]["spec"] = {"尺码": "M"}
    response = client.post(f"{API}/products", payload, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert list(response.json()["detail"]["fields"]) == ["skus[1].spec"]
    assert Product.objects.count() == 0


@pytest.mark.parametrize("bad", [{"cost_fen": -1}, {"suggested_price_fen": 0}, {"cost_fen": 12.5}, {"stock": -3}])
def test_bad_numbers_answer_422_and_create_nothing(client, auth, bad):
    payload = product_payload(make_category())
    payload["skus"][0].update(bad)
    response = client.post(f"{API}/products", payload, content_type="application/json", **auth)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert Product.objects.count() == 0


def test_malformed_json_never_answers_500(client, auth):
    response = client.post(f"{API}/products", "{not json", content_type="application/json", **auth)
    assert 400 <= response.status_code < 500


def test_anonymous_and_merchants_cannot_use_the_supplier_api(client, supplier):
    product = make_product(supplier)
    assert client.get(f"{API}/products").status_code == 401
    merchant = bearer(make_merchant_owner(make_merchant()))
    response = client.get(f"{API}/products/{product.pk}", **merchant)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_product_list_pages_searches_and_runs_a_fixed_number_of_queries(client, supplier, auth, django_assert_num_queries):
    for i in range(25):
        make_product(supplier, name=f"商品{i:02d}", skus=2, stock=3)
    make_product(make_supplier(), name="别家的商品")
    with django_assert_num_queries(3):  # token, count, page
        response = client.get(f"{API}/products", **auth)
    body = response.json()
    assert (body["count"], body["page"], len(body["items"])) == (25, 1, 20)
    assert body["items"][0]["name"] == "商品24"
    assert (body["items"][0]["sku_count"], body["items"][0]["total_stock"]) == (2, 6)
    assert client.get(f"{API}/products?page=2", **auth).json()["items"][-1]["name"] == "商品00"
    assert [p["name"] for p in client.get(f"{API}/products?search=商品07", **auth).json()["items"]] == ["商品07"]


def test_platform_staff_name_the_supplier_they_browse(client, supplier):
    make_product(supplier, name="平台可见")
    platform = bearer(make_platform_user())
    assert client.get(f"{API}/products", **platform).status_code == 400
    response = client.get(f"{API}/products?supplier_id={supplier.pk}", **platform)
    assert [p["name"] for p in response.json()["items"]] == ["平台可见"]


def test_another_suppliers_product_answers_404_and_is_unchanged(client, supplier, intruder):
    product = make_product(supplier, name="原名")
    sku = product.skus.get()
    assert client.get(f"{API}/products/{product.pk}", **intruder).status_code == 404
    assert client.patch(f"{API}/products/{product.pk}", {"name": "改"}, content_type="application/json",
                        **intruder).status_code == 404
    assert client.post(f"{API}/products/{product.pk}/archive", **intruder).status_code == 404
    assert client.post(f"{API}/products/{product.pk}/skus", {"code": "X", "spec": {"规格": "新"}, "cost_fen": 1,
                       "suggested_price_fen": 2}, content_type="application/json", **intruder).status_code == 404
    assert client.get(f"{API}/skus/{sku.pk}", **intruder).status_code == 404
    assert client.patch(f"{API}/skus/{sku.pk}", {"cost_fen": 1}, content_type="application/json",
                        **intruder).status_code == 404
    assert client.post(f"{API}/skus/{sku.pk}/stock", {"delta": 100}, content_type="application/json",
                       **intruder).status_code == 404
    product.refresh_from_db()
    sku.refresh_from_db()
    assert (product.name, product.status, product.skus.count(), sku.cost_fen, sku.stock) == ("原名", "active", 1, 5000, 100)


def test_update_archive_and_restore_a_product(client, supplier, auth):
    product = make_product(supplier, name="原名")
    food = make_category("食品")
    response = client.patch(f"{API}/products/{product.pk}", {"name": "新名", "category_id": food.pk},
                            content_type="application/json", **auth)
    assert (response.status_code, response.json()["name"], response.json()["category"]["name"]) == (200, "新名", "食品")
    assert client.post(f"{API}/products/{product.pk}/archive", **auth).json()["status"] == "archived"
    assert client.post(f"{API}/products/{product.pk}/restore", **auth).json()["status"] == "active"


def test_sku_update_and_stock_adjust(client, supplier, auth):
    sku = make_product(supplier, stock=10).skus.get()
    response = client.patch(f"{API}/skus/{sku.pk}", {"cost_fen": 4000, "is_active": False},
                            content_type="application/json", **auth)
    assert (response.json()["cost_fen"], response.json()["is_active"]) == (4000, False)
    response = client.post(f"{API}/skus/{sku.pk}/stock", {"delta": -4}, content_type="application/json", **auth)
    assert response.json() == {"sku_id": sku.pk, "stock": 6}
    response = client.post(f"{API}/skus/{sku.pk}/stock", {"delta": -7}, content_type="application/json", **auth)
    assert (response.status_code, response.json()["code"]) == (409, "stock_below_zero")
    assert Sku.objects.get(pk=sku.pk).stock == 6


def test_add_a_sku_to_a_product(client, supplier, auth):
    product = make_product(supplier)
    response = client.post(f"{API}/products/{product.pk}/skus", {"code": "NEW", "spec": {"规格": "大瓶"}, "cost_fen": 100,
                           "suggested_price_fen": 200, "stock": 1}, content_type="application/json", **auth)
    assert (response.status_code, response.json()["code"]) == (201, "NEW")


def test_upload_an_image_and_delete_it(client, supplier, auth, intruder):
    product = make_product(supplier)
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    response = client.post(f"{API}/products/{product.pk}/images", {"image": SimpleUploadedFile("a.png", buf.getvalue())},
                           **auth)
    assert response.status_code == 201
    image_id = response.json()["id"]
    assert client.delete(f"{API}/images/{image_id}", **intruder).status_code == 404
    assert ProductImage.objects.filter(pk=image_id).exists()
    assert client.delete(f"{API}/images/{image_id}", **auth).status_code == 204
    assert not ProductImage.objects.filter(pk=image_id).exists()


def test_import_by_upload_then_poll_progress_and_errors(client, supplier, auth, intruder):
    category = make_category("服饰")
    body = ("商品名称,分类,SKU编码,成本价,建议零售价,库存\n"
            f"T恤,{category.slug},A,1,2,3\n"
            f"裤子,{category.slug},B,x,2,3\n").encode()
    response = client.post(f"{API}/imports", {"file": SimpleUploadedFile("goods.csv", body)}, **auth)
    assert response.status_code == 201
    job = response.json()
    assert (job["status"], job["percent"]) == ("queued", 0)
    assert client.get(f"{API}/imports/{job['id']}", **intruder).status_code == 404
    run_due()
    polled = client.get(f"{API}/imports/{job['id']}", **auth).json()
    assert (polled["status"], polled["total_rows"], polled["processed_rows"], polled["imported_rows"], polled["percent"]) == (
        "done", 2, 2, 1, 100)
    assert polled["errors"] == [{"row": 3, "errors": {"cost": "不是有效的金额（元，最多两位小数）"}}]
    assert [j["id"] for j in client.get(f"{API}/imports", **auth).json()] == [job["id"]]
    assert client.get(f"{API}/imports", **intruder).json() == []


def test_uploading_a_wrong_file_type_answers_400(client, auth):
    response = client.post(f"{API}/imports", {"file": SimpleUploadedFile("goods.pdf", b"%PDF")}, **auth)
    assert (response.status_code, response.json()["code"]) == (400, "unsupported_file")
    assert ImportJob.objects.count() == 0


def test_the_import_template_downloads_as_csv(client):
    response = client.get(f"{API}/imports/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("商品编码,商品名称,分类")
