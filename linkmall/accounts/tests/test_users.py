import pytest

from linkmall.accounts.errors import InvalidPhone, PhoneTaken, UsernameTaken
from linkmall.accounts.models import Role, Tenant, User
from linkmall.accounts.services import consumer_get_or_create, phone_normalize, staff_user_create
from linkmall.core.errors import InvalidInput
from linkmall.testing import make_merchant, make_supplier

pytestmark = pytest.mark.django_db

PASSWORD = "Lian-dong 2026!"


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("13900001111", "13900001111"), (" 139 0000 1111 ", "13900001111"), ("+86 139-0000-1111", "13900001111"),
     ("008619912345678", "19912345678")],
)
def test_mainland_mobile_numbers_are_normalized(raw, phone):
    assert phone_normalize(raw) == phone


@pytest.mark.parametrize("raw", ["", "1390000111", "139000011112", "12900001111", "2390000111a", "+1 4155550100", None])
def test_anything_but_a_mainland_mobile_number_is_refused(raw):
    with pytest.raises(InvalidPhone) as exc:
        phone_normalize(raw)
    assert exc.value.code == "invalid_phone"


def test_supplier_staff_is_created_in_its_supplier_tenant_with_an_argon2_password(production_hashers):
    supplier = make_supplier()
    user = staff_user_create(username="zhang.san", password=PASSWORD, role=Role.SUPPLIER_STAFF,
                             tenant_id=supplier.pk, display_name="张三", phone="139 0000 2222")
    user.refresh_from_db()
    assert (user.role, user.tenant_id, user.display_name, user.phone) == (
        Role.SUPPLIER_STAFF, supplier.pk, "张三", "13900002222")
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)
    assert user.is_staff is False


def test_platform_staff_may_use_the_admin_and_have_no_tenant():
    user = staff_user_create(username="ops", password=PASSWORD, role=Role.PLATFORM)
    assert (user.is_staff, user.is_superuser, user.tenant_id) == (True, False, None)


def test_a_guide_without_password_can_only_log_in_by_phone_code():
    merchant = make_merchant()
    user = staff_user_create(username="guide1", password=None, role=Role.GUIDE, tenant_id=merchant.pk,
                             phone="13900003333")
    assert user.has_usable_password() is False


@pytest.mark.parametrize(
    ("role", "tenant_kind"),
    [(Role.SUPPLIER_STAFF, "merchant"), (Role.MERCHANT_OWNER, "supplier"), (Role.GUIDE, None),
     (Role.PLATFORM, "supplier")],
)
def test_a_staff_role_must_belong_to_a_tenant_of_its_kind(role, tenant_kind):
    tenant_id = {"supplier": make_supplier().pk, "merchant": make_merchant().pk, None: None}[tenant_kind]
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(username="x1", password=PASSWORD, role=role, tenant_id=tenant_id)
    assert exc.value.code == "invalid_tenant"
    assert not User.objects.filter(username="x1").exists()


def test_consumers_are_not_created_as_staff():
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(username="c1", password=PASSWORD, role=Role.CONSUMER)
    assert exc.value.code == "invalid_role"


def test_a_weak_password_is_refused_with_the_reasons():
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(username="ops", password="123", role=Role.PLATFORM)
    assert exc.value.code == "weak_password"
    assert exc.value.detail["field"] == "password"
    assert len(exc.value.detail["errors"]) >= 1
    assert not User.objects.filter(username="ops").exists()


def test_a_taken_username_or_phone_is_a_conflict_and_creates_nothing():
    staff_user_create(username="ops", password=PASSWORD, role=Role.PLATFORM, phone="13900004444")
    with pytest.raises(UsernameTaken):
        staff_user_create(username="ops", password=PASSWORD, role=Role.PLATFORM)
    with pytest.raises(PhoneTaken):
        staff_user_create(username="ops2", password=PASSWORD, role=Role.PLATFORM, phone="13900004444")
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["", "has space", "x" * 65, "a/b"])
def test_usernames_are_short_and_plain(username):
    with pytest.raises(InvalidInput) as exc:
        staff_user_create(username=username, password=PASSWORD, role=Role.PLATFORM)
    assert exc.value.code == "invalid_username"
    assert User.objects.count() == 0


def test_chinese_usernames_are_welcome():
    assert staff_user_create(username="王店长", password=PASSWORD, role=Role.PLATFORM).username == "王店长"


def test_a_consumer_is_created_once_per_phone_with_a_masked_name_and_no_password():
    first = consumer_get_or_create(phone="13900005555")
    again = consumer_get_or_create(phone="+86 139 0000 5555")
    assert first.pk == again.pk
    assert (first.role, first.display_name, first.tenant_id) == (Role.CONSUMER, "139****5555", None)
    assert first.has_usable_password() is False
    assert User.objects.filter(phone="13900005555").count() == 1


def test_a_staff_phone_is_never_turned_into_a_consumer():
    staff_user_create(username="ops", password=PASSWORD, role=Role.PLATFORM, phone="13900006666")
    with pytest.raises(PhoneTaken):
        consumer_get_or_create(phone="13900006666")
    assert User.objects.filter(role=Role.CONSUMER).count() == 0
    assert Tenant.objects.count() == 0
