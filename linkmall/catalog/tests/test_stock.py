
import pytest

from linkmall.catalog.models import Sku
from linkmall.catalog.services import sku_stock_adjust, sku_stock_release, sku_stock_reserve
from linkmall.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkmall.testing import (
    make_merchant,
    make_merchant_owner,
    make_product,
    make_supplier,
    make_supplier_staff,
    outcomes,
    race,
)

pytestmark = pytest.mark.django_db


def a_sku(stock=10):
    return make_product(make_supplier(), stock=stock).skus.get()


def stock_of(sku):
    return Sku.objects.values_list("stock", flat=True).get(pk=sku.pk)


def test_reserving_takes_the_quantity_from_stock():
    sku = a_sku(stock=10)
    sku_stock_reserve(sku_id=sku.pk, quantity=3)
    assert stock_of(sku) == 7


def test_reserving_the_last_units_leaves_zero():
    sku = a_sku(stock=2)
    sku_stock_reserve(sku_id=sku.pk, quantity=2)
    assert stock_of(sku) == 0


def test_reserving_more_than_is_left_is_refused_and_changes_nothing():
    sku = a_sku(stock=2)
    with pytest.raises(Conflict) as refused:
        sku_stock_reserve(sku_id=sku.pk, quantity=3)
    assert refused.value.code == "out_of_stock"
    assert refused.value.detail == {"sku_id": sku.pk, "requested": 3, "available": 2}
    assert stock_of(sku) == 2


def test_reserving_an_unknown_sku_is_not_found():
    with pytest.raises(NotFound):
        sku_stock_reserve(sku_id=987654, quantity=1)


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_reserving_a_quantity_that_is_not_a_positive_integer_is_refused(quantity):
    sku = a_sku(stock=5)
    with pytest.raises(InvalidInput):
        sku_stock_reserve(sku_id=sku.pk, quantity=quantity)
    assert stock_of(sku) == 5


def test_releasing_gives_the_units_back():
    sku = a_sku(stock=5)
    sku_stock_reserve(sku_id=sku.pk, quantity=5)
    sku_stock_release(sku_id=sku.pk, quantity=4)
    assert stock_of(sku) == 4


def test_releasing_zero_units_is_refused():
    sku = a_sku(stock=5)
    with pytest.raises(InvalidInput):
        sku_stock_release(sku_id=sku.pk, quantity=0)
    assert stock_of(sku) == 5


def test_supplier_staff_adjust_stock_up_and_down():
    supplier = make_supplier()
    sku = make_product(supplier, stock=10).skus.get()
    staff = make_supplier_staff(supplier)
    assert sku_stock_adjust(actor=staff, sku=sku, delta=5) == 15
    assert sku_stock_adjust(actor=staff, sku=sku, delta=-15) == 0
    assert stock_of(sku) == 0


def test_adjusting_stock_below_zero_is_refused_and_changes_nothing():
    supplier = make_supplier()
    sku = make_product(supplier, stock=3).skus.get()
    with pytest.raises(Conflict) as refused:
        sku_stock_adjust(actor=make_supplier_staff(supplier), sku=sku, delta=-4)
    assert refused.value.code == "stock_below_zero"
    assert stock_of(sku) == 3


def test_another_suppliers_staff_cannot_adjust_stock():
    sku = a_sku(stock=3)
    with pytest.raises(NotFound):
        sku_stock_adjust(actor=make_supplier_staff(make_supplier()), sku=sku, delta=10)
    assert stock_of(sku) == 3


def test_a_merchant_cannot_adjust_supplier_stock():
    sku = a_sku(stock=3)
    with pytest.raises(PermissionDenied):
        sku_stock_adjust(actor=make_merchant_owner(make_merchant()), sku=sku, delta=10)
    assert stock_of(sku) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_buyers_never_oversell_the_last_units():
    sku = a_sku(stock=5)
    def buyer():
        sku_stock_reserve(sku_id=sku.pk, quantity=1)
        return "ok"

    results = outcomes(race(*[buyer] * 8))

    assert sorted(results) == ["ok"] * 5 + ["out_of_stock"] * 3
    assert stock_of(sku) == 0
