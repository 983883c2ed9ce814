import pytest
from django.contrib.auth.models import AnonymousUser

from linkmall.accounts.models import Role, Tenant, User
from linkmall.accounts.tenancy import require_owner, require_role, require_tenant, scope_to_owner, scope_to_tenant
from linkmall.core.errors import NotAuthenticated, NotFound, PermissionDenied
from linkmall.testing import (
    make_consumer,
    make_merchant,
    make_merchant_owner,
    make_platform_user,
    make_supplier,
    make_supplier_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    supplier, other_supplier, merchant = make_supplier(), make_supplier(), make_merchant()
    return {
        "supplier": supplier, "other_supplier": other_supplier, "merchant": merchant,
        "staff": make_supplier_staff(supplier), "other_staff": make_supplier_staff(other_supplier),
        "owner": make_merchant_owner(merchant), "consumer": make_consumer(), "other_consumer": make_consumer(),
        "platform": make_platform_user(),
    }


@pytest.mark.parametrize("guard", [
    lambda u: require_role(u, Role.CONSUMER), lambda u: require_tenant(u, 1), lambda u: require_owner(u, 1),
    lambda u: scope_to_tenant(Tenant.objects.all(), u), lambda u: scope_to_owner(User.objects.all(), u, field="pk"),
])
@pytest.mark.parametrize("who", [None, AnonymousUser(), "disabled"])
def test_nobody_and_disabled_users_must_log_in_first(guard, who):
    if who == "disabled":
        who = make_consumer()
        who.is_active = False
    with pytest.raises(NotAuthenticated):
        guard(who)


def test_a_role_check_lets_listed_roles_through(world):
    assert require_role(world["staff"], Role.SUPPLIER_STAFF) == world["staff"]
    assert require_role(world["owner"], Role.MERCHANT_OWNER, Role.GUIDE) == world["owner"]


def test_a_role_check_refuses_other_roles_with_a_403_that_names_them(world):
    with pytest.raises(PermissionDenied) as exc:
        require_role(world["consumer"], Role.SUPPLIER_STAFF)
    assert (exc.value.status, exc.value.detail) == (403, {"role": "consumer", "allowed": ["supplier_staff"]})


def test_platform_staff_pass_a_role_check_only_where_listed(world):
    with pytest.raises(PermissionDenied):
        require_role(world["platform"], Role.SUPPLIER_STAFF)
    assert require_role(world["platform"], Role.SUPPLIER_STAFF, Role.PLATFORM) == world["platform"]


def test_staff_reach_their_own_tenant(world):
    assert require_tenant(world["staff"], world["supplier"].pk) == world["staff"]


def test_another_tenants_object_is_not_found_rather_than_forbidden(world):
    for user, tenant_id in [(world["other_staff"], world["supplier"].pk), (world["owner"], world["supplier"].pk),
                            (world["consumer"], world["supplier"].pk), (world["staff"], world["merchant"].pk)]:
        with pytest.raises(NotFound) as exc:
            require_tenant(user, tenant_id, what="product")
        assert (exc.value.status, exc.value.message) == (404, "No such product.")


def test_platform_staff_reach_every_tenant(world):
    assert require_tenant(world["platform"], world["supplier"].pk) == world["platform"]
    assert require_tenant(world["platform"], world["merchant"].pk) == world["platform"]


def test_a_consumer_reaches_only_their_own_objects(world):
    assert require_owner(world["consumer"], world["consumer"].pk) == world["consumer"]
    with pytest.raises(NotFound) as exc:
        require_owner(world["consumer"], world["other_consumer"].pk, what="order")
    assert exc.value.message == "No such order."


def test_tenant_staff_do_not_own_consumer_objects(world):
    with pytest.raises(NotFound):
        require_owner(world["staff"], world["consumer"].pk)
    assert require_owner(world["platform"], world["consumer"].pk) == world["platform"]


def test_lists_are_scoped_to_the_tenant(world):
    tenants = Tenant.objects.all()
    assert list(scope_to_tenant(tenants, world["staff"], field="pk")) == [world["supplier"].tenant]
    assert list(scope_to_tenant(tenants, world["owner"], field="pk")) == [world["merchant"].tenant]
    assert list(scope_to_tenant(tenants, world["consumer"], field="pk")) == []
    assert scope_to_tenant(tenants, world["platform"], field="pk").count() == 3


def test_users_list_by_tenant_column(world):
    staff_of_supplier = scope_to_tenant(User.objects.all(), world["staff"])
    assert set(staff_of_supplier) == {world["staff"]}


def test_lists_are_scoped_to_the_owner(world):
    users = User.objects.all()
    assert list(scope_to_owner(users, world["consumer"], field="pk")) == [world["consumer"]]
    assert scope_to_owner(users, world["platform"], field="pk").count() == User.objects.count()
