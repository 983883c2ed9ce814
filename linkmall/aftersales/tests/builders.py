"""A small mall for after-sales tests, built through the real order and payment services:
one merchant selling a supplier's SKU, a paid order of 3 units at 99.00, and the people around it."""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult
from PIL import Image

from linkmall import testing
from linkmall.accounts.models import User
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.catalog.models import Supplier
from linkmall.orders.models import Order, OrderLine
from linkmall.orders.services import fulfilment_ship, order_confirm_receipt, order_place
from linkmall.payments.gateways.sandbox import sandbox_notify_deliver, sandbox_trade_pay
from linkmall.payments.services import payment_start
from linkmall.stores.models import Merchant

GUARANTEE_TASK = "linkmall.aftersales.tasks.aftersale_guarantee_task"


@dataclass
class Mall:
    supplier: Supplier
    supplier_staff: User
    merchant: Merchant
    merchant_owner: User
    buyer: User
    order: Order
    line: OrderLine
    # people with no part in the order
    other_consumer: User
    other_supplier_staff: User
    other_merchant_owner: User
    platform: User

    def refresh(self) -> "Mall":
        self.order.refresh_from_db()
        self.line.refresh_from_db()
        return self


def make_mall(*, quantity: int = 3, price_fen: int = 9900, paid: bool = True) -> Mall:
    supplier = testing.make_supplier()
    supplier.return_address = "浙江省杭州市余杭区仓前街道 1 号 售后部"
    supplier.save(update_fields=["return_address"])
    merchant = testing.make_merchant()
    sku = testing.make_product(supplier, price_fen=price_fen, cost_fen=price_fen // 2, stock=50).skus.get()
    listing = testing.make_listing(merchant, sku, price_fen=price_fen)
    buyer = testing.make_consumer()
    order = order_place(
        buyer=buyer, merchant=merchant, lines=[(listing.pk, quantity)], address=testing.make_address(buyer),
        client_token=f"aftersales-{listing.pk}",
    )
    if paid:
        pay(order)
    return Mall(
        supplier=supplier,
        supplier_staff=testing.make_supplier_staff(supplier),
        merchant=merchant,
        merchant_owner=testing.make_merchant_owner(merchant),
        buyer=buyer,
        order=order,
        line=order.lines.get(),
        other_consumer=testing.make_consumer(),
        other_supplier_staff=testing.make_supplier_staff(testing.make_supplier()),
        other_merchant_owner=testing.make_merchant_owner(testing.make_merchant()),
        platform=testing.make_platform_user(),
    ).refresh()


def pay(order: Order) -> None:
    """The buyer pays at the sandbox cashier and the sandbox notifies us, as in production."""
    start = payment_start(actor=order.buyer, order=order)
    sandbox_trade_pay(out_trade_no=start.payment.out_trade_no)
    assert sandbox_notify_deliver(out_trade_no=start.payment.out_trade_no)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def ship(mall: Mall) -> None:
    fulfilment_ship(
        actor=mall.supplier_staff, fulfilment=mall.line.fulfilment, carrier="SF", tracking_number="SF1234567890"
    )
    mall.refresh()


def receive(mall: Mall) -> None:
    order_confirm_receipt(actor=mall.buyer, order=mall.order)
    mall.refresh()


def png(name: str = "photo.png", *, size: tuple[int, int] = (16, 12), image_format: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (228, 57, 60)).save(buffer, format=image_format)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "BMP": "image/bmp"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def guarantee_wakeups(request: AfterSaleRequest) -> list:
    """When the guarantee task of this request is due to run, for every wake-up still waiting."""
    rows = DBTaskResult.objects.filter(task_path=GUARANTEE_TASK, status="READY").order_by("run_after")
    return [row.run_after for row in rows if row.args_kwargs["args"] == [request.pk]]


def events_of(request: AfterSaleRequest) -> list[tuple[str, str]]:
    return list(request.events.order_by("at", "id").values_list("actor_role", "action"))
