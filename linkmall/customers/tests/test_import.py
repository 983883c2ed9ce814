"""`linkmall customers import`: customers by phone, purchases once, bad rows reported and skipped."""

import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from linkmall import testing
from linkmall.accounts.models import Role, User
from linkmall.core import clock
from linkmall.customers.models import Profile, Purchase

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

GOOD = """手机号,姓名,生日,订单号,日期,金额
13900000001,王小姐,1990-05-20,POS-1,2025-03-01,199.00
13900000001,王小姐,,POS-2,2025/06/18,"1,280.50"
139 0000 0002,李先生,,,,
"""

BAD = """phone,name,birthday,order_id,date,amount
12345,坏号码,,POS-9,2025-03-01,10
13900000003,张三,1990-13-40,POS-10,2025-03-01,10
13900000004,李四,,POS-11,,10
13900000005,王五,,POS-12,2027-01-01,abc
13900000006,赵六,,POS-13,2025-03-01,88.8
"""


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(T0)
    yield
    clock.reset()


def run(path, merchant, capsys) -> dict:
    call_command("customers", "import", str(path), "--merchant", str(merchant.pk))
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_csv_creates_customers_by_phone_and_their_purchases(tmp_path, capsys):
    merchant = testing.make_merchant()
    existing = testing.make_consumer(phone="13900000002")
    path = tmp_path / "history.csv"
    path.write_text(GOOD, encoding="utf-8")

    summary = run(path, merchant, capsys)

    assert summary == {"rows": 3, "customers_created": 1, "purchases_created": 2, "purchases_skipped": 0,
                       "errors": 0}
    wang = User.objects.get(phone="13900000001")
    assert wang.role == Role.CONSUMER
    assert sorted(Purchase.objects.values_list("reference", "user_id", "amount_fen", "source", "occurred_at")) == [
        ("POS-1", wang.pk, 19900, "import", datetime(2025, 3, 1, 4, 0, tzinfo=UTC)),
        ("POS-2", wang.pk, 128050, "import", datetime(2025, 6, 18, 4, 0, tzinfo=UTC))]
    profile = Profile.objects.get(user=wang)
    assert (profile.name, str(profile.birthday), profile.first_seen_at, profile.last_seen_at) == (
        "王小姐", "1990-05-20", datetime(2025, 3, 1, 4, 0, tzinfo=UTC), datetime(2025, 6, 18, 4, 0, tzinfo=UTC))
    li = Profile.objects.get(user=existing)
    assert (li.name, li.last_seen_at) == ("李先生", None)


def test_running_the_same_file_again_imports_nothing_twice(tmp_path, capsys):
    merchant = testing.make_merchant()
    path = tmp_path / "history.csv"
    path.write_text(GOOD, encoding="utf-8")
    run(path, merchant, capsys)

    summary = run(path, merchant, capsys)

    assert summary == {"rows": 3, "customers_created": 0, "purchases_created": 0, "purchases_skipped": 2,
                       "errors": 0}
    assert (Purchase.objects.count(), Profile.objects.count(), User.objects.count()) == (2, 2, 2)


def test_bad_rows_are_reported_by_line_and_column_and_write_nothing(tmp_path, capsys):
    merchant = testing.make_merchant()
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")

    summary = run(path, merchant, capsys)

    assert summary["errors"] == 5
    assert summary["purchases_created"] == 1
    report = (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report == [
        "行号,列,问题",
        "2,phone,手机号不是有效的中国大陆手机号",
        "3,birthday,生日不是有效日期（如 1990-05-20）",
        "4,date,订单行需要同时填写订单号、日期和金额",
        "5,date,日期不能晚于今天",
        "5,amount,金额不是有效数字（如 199.00）",
    ]
    assert list(Purchase.objects.values_list("reference", flat=True)) == ["POS-13"]
    assert list(User.objects.filter(role=Role.CONSUMER).values_list("phone", flat=True)) == ["13900000006"]


def test_a_staff_phone_is_refused_as_a_customer(tmp_path, capsys):
    merchant = testing.make_merchant()
    testing.make_merchant_owner(merchant).__class__.objects.filter(role=Role.MERCHANT_OWNER).update(
        phone="13900000009")
    path = tmp_path / "staff.csv"
    path.write_text("phone,order_id,date,amount\n13900000009,POS-1,2025-01-01,10\n", encoding="utf-8")

    assert run(path, merchant, capsys)["errors"] == 1
    assert Purchase.objects.count() == 0


def test_an_excel_file_with_dates_and_numbers_imports(tmp_path, capsys):
    from openpyxl import Workbook

    merchant = testing.make_merchant()
    book = Workbook()
    sheet = book.active
    sheet.append(["phone", "name", "order_id", "date", "amount"])
    sheet.append([13900000007, "陈女士", 1001, datetime(2025, 2, 14), 520.5])
    path = tmp_path / "history.xlsx"
    book.save(path)

    summary = run(path, merchant, capsys)

    assert (summary["purchases_created"], summary["errors"]) == (1, 0)
    assert list(Purchase.objects.values_list("reference", "amount_fen")) == [("1001", 52050)]


@pytest.mark.parametrize("content, name, message", [
    ("a,b\n1,2\n", "x.csv", "缺少手机号（phone）列"),
    ("", "x.csv", "文件是空的"),
    ("phone\n1\n", "x.txt", "只支持 .csv 和 .xlsx 文件"),
    ("not a zip", "x.xlsx", "无法读取 Excel 文件: BadZipFile"),
])
def test_an_unreadable_file_is_a_clear_error(tmp_path, content, name, message):
    merchant = testing.make_merchant()
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("customers", "import", str(path), "--merchant", str(merchant.pk))


def test_an_unknown_merchant_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(GOOD, encoding="utf-8")

    with pytest.raises(CommandError, match="No merchant 999999"):
        call_command("customers", "import", str(path), "--merchant", "999999")


def upload(client, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/console/customers/import/", {"file": SimpleUploadedFile(name, content)})


def test_an_owner_uploads_a_file_and_watches_it_import(client):
    merchant = testing.make_merchant()
    client.force_login(testing.make_merchant_owner(merchant))

    response = upload(client, "history.csv", (GOOD + "12345,坏,,,,\n").encode())

    html = b"".join(response.streaming_content).decode()
    assert "<script>lmImportProgress(4)</script>" in html
    assert "<dt>新客户</dt><dd>2</dd>" in html and "<dt>新订单</dt><dd>2</dd>" in html
    assert "<td>5</td><td>phone</td><td>手机号不是有效的中国大陆手机号</td>" in html
    assert Purchase.objects.filter(merchant=merchant).count() == 2


def test_an_unreadable_upload_is_refused_with_the_reason_and_guides_cannot_upload(client):
    merchant = testing.make_merchant()
    client.force_login(testing.make_merchant_owner(merchant))

    response = upload(client, "x.csv", b"a,b\n1,2\n")

    assert response.status_code == 400
    assert "缺少手机号（phone）列" in response.content.decode()
    guide = testing.make_guide(testing.make_store(merchant))
    client.force_login(guide.user)
    assert upload(client, "history.csv", GOOD.encode()).status_code == 403
    assert Purchase.objects.count() == 0
