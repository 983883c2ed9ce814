import pytest

from linkmall.accounts.models import Role
from linkmall.testing import make_listing, make_merchant, make_product, make_store, make_supplier, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["catalog/supplier", "catalog/category", "catalog/product", "catalog/sku",
                                  "catalog/importjob", "stores/merchant", "stores/store", "stores/guide",
                                  "stores/listing"])
def test_platform_staff_browse_catalog_and_stores_in_the_admin(client, path):
    supplier = make_supplier()
    merchant = make_merchant()
    make_store(merchant)
    make_listing(merchant, make_product(supplier).skus.get())
    client.force_login(make_user(role=Role.PLATFORM, is_staff=True, is_superuser=True))
    assert client.get(f"/admin/{path}/").status_code == 200
