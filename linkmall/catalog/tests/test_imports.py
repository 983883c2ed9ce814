import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from linkmall.catalog.importing import template_csv
from linkmall.catalog.models import ImportJob, Product, Sku
from linkmall.catalog.services import import_job_create, import_job_run
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.core.tasks import run_due
from linkmall.testing import make_category, make_supplier, make_supplier_staff

pytestmark = pytest.mark.django_db

HEADER = "商品编码,商品名称,分类,副标题,规格名,规格,SKU编码,成本价,建议零售价,库存\n"


@pytest.fixture
def supplier():
    return make_supplier()


@pytest.fixture
def staff(supplier):
    return make_supplier_staff(supplier)


@pytest.fixture(autouse=True)
def clothing():
    category = make_category("服饰")
    category.slug = "clothing"
    category.save()
    return category


def csv_upload(body: str, name="goods.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, (HEADER + body).encode(encoding), content_type="text/csv")


def run_import(staff, supplier, upload):
    job = import_job_create(actor=staff, supplier=supplier, upload=upload)
    assert run_due() == 1
    job.refresh_from_db()
    return job


def skus_of(supplier):
    return list(Sku.objects.filter(supplier=supplier).order_by("code").values_list(
        "code", "product__name", "spec", "cost_fen", "suggested_price_fen", "stock"))


def test_a_csv_import_groups_rows_into_products_with_their_skus(staff, supplier):
    job = run_import(staff, supplier, csv_upload(
        "P1,纯棉T恤,clothing,夏季,颜色/尺码,白/M,P1-W-M,35.00,79,100\n"
        "P1,纯棉T恤,clothing,夏季,颜色/尺码,白/L,P1-W-L,35.5,79.00,0\n"
        ",帆布包,服饰,,,,BAG-1,20,49.9,7\n"
    ))
    assert (job.status, job.total_rows, job.processed_rows, job.imported_rows, job.errors) == (
        ImportJob.Status.DONE, 3, 3, 3, [])
    assert skus_of(supplier) == [
        ("BAG-1", "帆布包", {}, 2000, 4990, 7),
        ("P1-W-L", "纯棉T恤", {"颜色": "白", "尺码": "L"}, 3550, 7900, 0),
        ("P1-W-M", "纯棉T恤", {"颜色": "白", "尺码": "M"}, 3500, 7900, 100),
    ]
    shirt = Product.objects.get(name="纯棉T恤")
    assert (shirt.spec_names, shirt.subtitle, shirt.category.slug) == (["颜色", "尺码"], "夏季", "clothing")


def test_a_product_with_one_bad_row_is_not_imported_at_all_and_the_report_names_rows_and_fields(staff, supplier):
    job = run_import(staff, supplier, csv_upload(
        "P1,纯棉T恤,clothing,,颜色/尺码,白/M,P1-W-M,35,79,100\n"
        "P1,纯棉T恤,clothing,,颜色/尺码,白/L,P1-W-L,-1,79,ten\n"
        "P2,帆布包,clothing,,,,BAG-1,20,49.9,7\n"
        "P3,毛衣,no-such-category,,,,SW-1,20,0,1\n"
    ))
    assert (job.status, job.total_rows, job.processed_rows, job.imported_rows) == (ImportJob.Status.DONE, 4, 4, 1)
    assert job.errors == [
        {"row": 2, "errors": {"product": "同一商品的第 3 行有错误，整件商品未导入"}},
        {"row": 3, "errors": {"cost": "不能小于 0", "stock": "必须是整数"}},
        {"row": 5, "errors": {"suggested_price": "必须大于 0", "category": "分类不存在: no-such-category"}},
    ]
    assert [code for code, *_ in skus_of(supplier)] == ["BAG-1"]


def test_spec_problems_are_reported_per_row(staff, supplier):
    job = run_import(staff, supplier, csv_upload(
        "P1,T恤,clothing,,颜色/尺码,白,A,1,2,3\n"
        "P2,T恤2,clothing,,颜色/尺码,白/M,B,1,2,3\n"
        "P2,T恤2,clothing,,颜色/尺码,白/M,C,1,2,3\n"
        "P3,T恤3,clothing,,颜色,白,D,1,2,3\n"
        "P3,T恤3,clothing,,尺码,M,E,1,2,3\n"
    ))
    assert job.errors == [
        {"row": 2, "errors": {"spec_values": "规格值的个数（1）与规格名的个数（2）不一致"}},
        {"row": 3, "errors": {"product": "同一商品的第 4 行有错误，整件商品未导入"}},
        {"row": 4, "errors": {"spec_values": "规格与第 3 行重复"}},
        {"row": 5, "errors": {"product": "同一商品的第 6 行有错误，整件商品未导入"}},
        {"row": 6, "errors": {"spec_names": "规格名与第 5 行不一致"}},
    ]
    assert Product.objects.count() == 0


def test_a_sku_code_repeated_in_the_file_is_an_error_on_the_later_row(staff, supplier):
    job = run_import(staff, supplier, csv_upload(
        "P1,T恤,clothing,,,,A,1,2,3\n"
        "P2,裤子,clothing,,,,A,1,2,3\n"
    ))
    assert job.errors == [{"row": 3, "errors": {"sku_code": "SKU 编码与第 2 行重复"}}]
    assert skus_of(supplier) == [("A", "T恤", {}, 100, 200, 3)]


def test_re_importing_updates_skus_and_is_idempotent(staff, supplier):
    body = ("P1,T恤,clothing,,颜色,白,P1-W,35,79,100\n"
            "P1,T恤,clothing,,颜色,黑,P1-B,35,79,50\n")
    run_import(staff, supplier, csv_upload(body))
    again = run_import(staff, supplier, csv_upload(body))
    assert (again.imported_rows, again.errors) == (2, [])
    assert Product.objects.count() == 1
    changed = run_import(staff, supplier, csv_upload(
        "P1,T恤 新款,clothing,,颜色,白,P1-W,36,89,10\n"
        "P1,T恤 新款,clothing,,颜色,红,P1-R,36,89,5\n"
    ))
    assert changed.errors == []
    assert Product.objects.count() == 1
    assert skus_of(supplier) == [
        ("P1-B", "T恤 新款", {"颜色": "黑"}, 3500, 7900, 50),
        ("P1-R", "T恤 新款", {"颜色": "红"}, 3600, 8900, 5),
        ("P1-W", "T恤 新款", {"颜色": "白"}, 3600, 8900, 10),
    ]


def test_re_importing_with_other_spec_names_is_refused_and_changes_nothing(staff, supplier):
    run_import(staff, supplier, csv_upload("P1,T恤,clothing,,颜色,白,P1-W,35,79,100\n"))
    job = run_import(staff, supplier, csv_upload("P1,T恤,clothing,,尺码,M,P1-W,1,2,3\n"))
    assert job.errors == [{"row": 2, "errors": {"spec_names": "与已有商品的规格名不一致: 颜色"}}]
    assert skus_of(supplier) == [("P1-W", "T恤", {"颜色": "白"}, 3500, 7900, 100)]


def test_an_excel_file_with_english_headers_imports_too(staff, supplier):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["product_code", "name", "category", "spec_names", "spec_values", "sku_code", "cost",
                  "suggested_price", "stock"])
    sheet.append(["P1", "T恤", "clothing", "颜色", "白", "X-1", 35.5, 79, 12])
    sheet.append(["P1", "T恤", "clothing", "颜色", "黑", "X-2", "35.50", 79.9, 3.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run_import(staff, supplier, SimpleUploadedFile("goods.xlsx", buffer.getvalue()))
    assert (job.status, job.errors) == (ImportJob.Status.DONE, [])
    assert skus_of(supplier) == [("X-1", "T恤", {"颜色": "白"}, 3550, 7900, 12),
                                 ("X-2", "T恤", {"颜色": "黑"}, 3550, 7990, 3)]


def test_a_gbk_csv_from_excel_is_read(staff, supplier):
    job = run_import(staff, supplier, csv_upload("P1,T恤,服饰,,,,G-1,1,2,3\n", encoding="gb18030"))
    assert (job.errors, skus_of(supplier)) == ([], [("G-1", "T恤", {}, 100, 200, 3)])


def test_a_file_missing_required_columns_fails_the_job(staff, supplier):
    job = run_import(staff, supplier, SimpleUploadedFile("x.csv", "商品名称,库存\nT恤,3\n".encode()))
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"row": 0, "errors": {"file": "缺少列: category, sku_code, cost, suggested_price"}}]


def test_a_broken_excel_file_fails_the_job(staff, supplier):
    job = run_import(staff, supplier, SimpleUploadedFile("x.xlsx", b"PK not really a zip"))
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["errors"]["file"].startswith("无法读取 Excel 文件")


@pytest.mark.parametrize("name,body,code", [("x.txt", b"a", "unsupported_file"), ("x.csv", b"", "empty_file")])
def test_unsupported_or_empty_uploads_are_refused_and_nothing_is_queued(staff, supplier, name, body, code):
    with pytest.raises(InvalidInput) as refused:
        import_job_create(actor=staff, supplier=supplier, upload=SimpleUploadedFile(name, body))
    assert refused.value.code == code
    assert (ImportJob.objects.count(), DBTaskResult.objects.count()) == (0, 0)


def test_another_supplier_cannot_import_into_this_supplier(supplier):
    with pytest.raises(NotFound):
        import_job_create(actor=make_supplier_staff(make_supplier()), supplier=supplier,
                          upload=csv_upload("P1,T恤,clothing,,,,A,1,2,3\n"))
    assert ImportJob.objects.count() == 0


def test_running_a_job_twice_does_nothing_the_second_time(staff, supplier):
    job = run_import(staff, supplier, csv_upload("P1,T恤,clothing,,,,A,1,2,3\n"))
    assert import_job_run(job_id=job.pk).status == ImportJob.Status.DONE
    assert Product.objects.count() == 1


def test_progress_is_reported_after_each_product(staff, supplier):
    job = import_job_create(actor=staff, supplier=supplier, upload=csv_upload(
        "P1,T恤,clothing,,,,A,1,2,3\nP2,裤子,clothing,,,,B,1,2,3\nP2,裤子,clothing,,,,B2,1,2,3\n"))
    seen = []
    import_job_run(job_id=job.pk, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (3, 3)]


def test_the_template_csv_imports_as_is(staff, supplier):
    job = run_import(staff, supplier, SimpleUploadedFile("template.csv", template_csv()))
    assert (job.errors, job.imported_rows) == ([], 2)


def test_the_management_command_imports_a_file(supplier, tmp_path, capsys):
    path = tmp_path / "goods.csv"
    path.write_text(HEADER + "P1,T恤,clothing,,,,A,1,2,3\nP2,裤子,clothing,,,,B,x,2,3\n", encoding="utf-8")
    call_command("catalog", "import", "--supplier", str(supplier.pk), str(path))
    out = capsys.readouterr().out
    assert "row 3: cost: 不是有效的金额（元，最多两位小数）" in out
    assert "1 of 2 rows imported, 1 rows with errors" in out
    assert skus_of(supplier) == [("A", "T恤", {}, 100, 200, 3)]
