"""Test data builders shared by every app's tests. They write rows directly (fast, explicit);
behaviour under test always goes through the services."""

import functools
import itertools
import threading
from collections.abc import Callable
from decimal import Decimal

from django.db import close_old_connections, connections

from linkmall.accounts.models import Role, Tenant, User
from linkmall.catalog.models import Category, Product, Sku, Supplier
from linkmall.core.errors import DomainError
from linkmall.customers.models import Address
from linkmall.stores.models import Guide, Listing, Merchant, Store

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_supplier(name: str | None = None) -> Supplier:
    name = name or f"供应商{_n()}"
    tenant = Tenant.objects.create(kind=Tenant.Kind.SUPPLIER, name=name)
    return Supplier.objects.create(tenant=tenant, name=name)


def make_merchant(name: str | None = None) -> Merchant:
    name = name or f"商家{_n()}"
    tenant = Tenant.objects.create(kind=Tenant.Kind.MERCHANT, name=name)
    return Merchant.objects.create(tenant=tenant, name=name)


def make_user(*, role: str = Role.CONSUMER, tenant_id: int | None = None, phone: str | None = None,
              password: str | None = "correct horse battery", **extra) -> User:
    n = _n()
    return User.objects.create_user(
        username=extra.pop("username", f"user{n}"),
        password=password,
        role=role,
        tenant_id=tenant_id,
        phone=phone,
        **extra,
    )


def make_consumer(phone: str | None = None) -> User:
    return make_user(role=Role.CONSUMER, phone=phone or f"139{_n():08d}", password=None)


def make_platform_user() -> User:
    return make_user(role=Role.PLATFORM, is_staff=True)


def make_supplier_staff(supplier: Supplier) -> User:
    return make_user(role=Role.SUPPLIER_STAFF, tenant_id=supplier.pk)


def make_merchant_owner(merchant: Merchant) -> User:
    return make_user(role=Role.MERCHANT_OWNER, tenant_id=merchant.pk)


def make_category(name: str = "美妆") -> Category:
    n = _n()
    return Category.objects.create(name=name, slug=f"cat-{n}")


def make_product(supplier: Supplier, *, name: str | None = None, category: Category | None = None,
                 skus: int = 1, cost_fen: int = 5000, price_fen: int = 9900, stock: int = 100) -> Product:
    product = Product.objects.create(
        supplier=supplier, category=category or make_category(), name=name or f"商品{_n()}", spec_names=["规格"]
    )
    for i in range(skus):
        Sku.objects.create(
            product=product, supplier=supplier, code=f"SKU-{product.pk}-{i}", spec={"规格": f"款{i + 1}"},
            cost_fen=cost_fen, suggested_price_fen=price_fen, stock=stock,
        )
    return product


def make_store(merchant: Merchant, *, name: str | None = None) -> Store:
    return Store.objects.create(
        merchant=merchant, name=name or f"{merchant.name}门店{_n()}", city="杭州", address="西湖区文三路1号",
        latitude=Decimal("30.274085"), longitude=Decimal("120.155070"),
    )


def make_guide(store: Store) -> Guide:
    user = make_user(role=Role.GUIDE, tenant_id=store.merchant_id, display_name=f"导购{_n()}")
    return Guide.objects.create(user=user, merchant_id=store.merchant_id, store=store, title="美妆顾问")


def make_listing(merchant: Merchant, sku: Sku, *, price_fen: int | None = None, pool_fen: int = 0) -> Listing:
    return Listing.objects.create(
        merchant=merchant, sku=sku, product_id=sku.product_id,
        price_fen=price_fen or sku.suggested_price_fen, pool_fen=pool_fen,
    )


def make_address(user: User) -> Address:
    return Address.objects.create(
        user=user, recipient="张女士", phone="13900001111", province="浙江省", city="杭州市",
        district="西湖区", detail="文三路 100 号 2 单元 301",
        # a user has at most one default address (customers' partial unique index)
        is_default=not Address.objects.filter(user=user, is_default=True).exists(),
    )


def race(*jobs: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run every job in a thread of its own, all released together at a barrier, and wait for them.

    Returns, in job order, what each job returned or the exception it raised, so the test asserts
    every outcome exactly (`outcomes()` names a refusal by its code). Each thread closes its database
    connections as a finished request would. A job still running after `timeout` seconds fails
    the test instead of hanging the suite: that is a deadlock.
    """
    results: list[object] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index: int) -> None:
        try:
            start.wait(timeout=timeout)
            results[index] = jobs[index]()
        except Exception as exc:  # handed back to the test, which asserts it
            results[index] = exc
        finally:
            close_old_connections()
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"jobs {stuck} still running after {timeout} s: a deadlock"
    return results


def copies(work: Callable[[int], object], count: int) -> list[Callable[[], object]]:
    """`count` jobs for `race`, the i-th calling `work(i)`."""
    return [functools.partial(work, i) for i in range(count)]


def outcomes(results: list[object]) -> list[object]:
    """Raced jobs' outcomes: what a job returned, or the code of the domain error it raised.

    Any other exception is raised here, so a crash inside a thread fails the test by name.
    """
    settled: list[object] = []
    for result in results:
        if isinstance(result, DomainError):
            settled.append(result.code)
        elif isinstance(result, BaseException):
            raise result
        else:
            settled.append(result)
    return settled
