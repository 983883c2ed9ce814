import pytest

from linkmall import testing
from linkmall.core.errors import InvalidInput, NotFound, PermissionDenied
from linkmall.customers.models import Address
from linkmall.customers.services import address_create, address_delete, address_set_default, address_update

pytestmark = pytest.mark.django_db

FIELDS = {
    "recipient": "李先生",
    "phone": "13800001234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
}


def defaults(user):
    return list(Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True))


def test_the_first_address_becomes_the_default_and_a_new_default_takes_over():
    user = testing.make_consumer()
    first = address_create(user=user, **FIELDS)
    second = address_create(user=user, **FIELDS)
    assert defaults(user) == [first.pk]
    third = address_create(user=user, **FIELDS, is_default=True)
    assert defaults(user) == [third.pk]
    address_set_default(user=user, address=second)
    assert defaults(user) == [second.pk]


def test_deleting_the_default_promotes_the_newest_remaining_address():
    user = testing.make_consumer()
    first = address_create(user=user, **FIELDS)
    second = address_create(user=user, **FIELDS)
    address_delete(user=user, address=first)
    assert defaults(user) == [second.pk]
    address_delete(user=user, address=second)
    assert Address.objects.filter(user=user).count() == 0


@pytest.mark.parametrize("change", [{"recipient": " "}, {"phone": "abc"}, {"detail": "x" * 201}, {"city": ""}])
def test_bad_fields_are_refused(change):
    user = testing.make_consumer()
    with pytest.raises(InvalidInput):
        address_create(user=user, **{**FIELDS, **change})
    assert Address.objects.count() == 0


def test_only_the_owner_may_change_an_address():
    owner, stranger = testing.make_consumer(), testing.make_consumer()
    address = address_create(user=owner, **FIELDS)
    with pytest.raises(NotFound):
        address_update(user=stranger, address=address, detail="别处")
    with pytest.raises(NotFound):
        address_delete(user=stranger, address=address)
    with pytest.raises(NotFound):
        address_set_default(user=stranger, address=address)
    address.refresh_from_db()
    assert address.detail == "文三路 1 号"


def test_staff_do_not_have_delivery_addresses():
    with pytest.raises(PermissionDenied):
        address_create(user=testing.make_merchant_owner(testing.make_merchant()), **FIELDS)


def test_the_address_api_is_owner_only(client, django_assert_num_queries):
    owner, stranger = testing.make_consumer(), testing.make_consumer()
    client.force_login(owner)
    created = client.post("/api/v1/customers/addresses", FIELDS, content_type="application/json")
    assert created.status_code == 201
    address_id = created.json()["id"]
    assert created.json()["one_line"] == "浙江省杭州市西湖区文三路 1 号"
    client.post("/api/v1/customers/addresses", FIELDS, content_type="application/json")
    with django_assert_num_queries(3):  # session, user, addresses
        listed = client.get("/api/v1/customers/addresses").json()
    assert [(a["id"], a["is_default"]) for a in listed][0] == (address_id, True)
    patched = client.patch(
        f"/api/v1/customers/addresses/{address_id}", {"detail": "新地址 9 号"}, content_type="application/json"
    )
    assert patched.json()["detail"] == "新地址 9 号"

    client.force_login(stranger)
    assert client.get("/api/v1/customers/addresses").json() == []
    assert client.get(f"/api/v1/customers/addresses/{address_id}").status_code == 404
    assert (
        client.patch(
            f"/api/v1/customers/addresses/{address_id}", {"detail": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/customers/addresses/{address_id}").status_code == 404
    assert client.post(f"/api/v1/customers/addresses/{address_id}/default").status_code == 404
    assert Address.objects.get(pk=address_id).detail == "新地址 9 号"

    bad = client.post("/api/v1/customers/addresses", {**FIELDS, "phone": "abc"}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
