"""核销 on a phone (/staff/redeem/, URL names `orders:redeem` and `orders:redeem_received`): a
store's guide or the merchant owner scans a pick-up code's QR (vendored html5-qrcode fills the
form) or types it, and marks the parcels that reached the store. The typed form works without
JavaScript. The URLs join the `orders` namespace in config/urls.py, since the services live in
aftersales (they read after-sales requests, which orders may not); see docs/o2o.md."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.aftersales.services.redemption import pickup_parcel_received, redeem_code, redeem_store
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError
from linkmall.core.money import yuan_to_fen
from linkmall.core.params import db_id
from linkmall.orders.models import FulfilmentMode, Order, Redemption
from linkmall.stores.models import Store

RECENT = 20


def _purchase_fen(value: str) -> int | None:
    """The in-store purchase typed in yuan (an in-store coupon needs it): None when blank; an
    amount that is not one becomes -1, which the service refuses (`invalid_input`, audited)."""
    if not value.strip():
        return None
    try:
        return yuan_to_fen(value[:20], field="purchase_fen")
    except DomainError:
        return -1


def _context(request, store: Store) -> dict:
    orders = (Order.objects.filter(pickup_store=store, fulfilment_mode=FulfilmentMode.PICKUP,
                                   status=Order.Status.SHIPPED, picked_up_at__isnull=True)
              .only("pk", "number", "address", "store_received_at", "pickup_code").order_by("pk"))
    stores = (list(Store.objects.filter(merchant_id=request.user.tenant_id).order_by("name", "pk"))
              if request.user.role == Role.MERCHANT_OWNER else [store])
    return {
        "store": store, "stores": stores,
        "arriving": [o for o in orders if o.store_received_at is None],
        "waiting": [o for o in orders if o.store_received_at is not None],
        "log": (Redemption.objects.select_related("actor", "order", "coupon__template").filter(store=store)
                .order_by("-at", "-pk")[:RECENT]),
    }


@require_http_methods(["GET", "POST"])
@role_required(Role.GUIDE, Role.MERCHANT_OWNER)
def redeem_page(request):
    store_id = db_id(request.POST.get("store") or request.GET.get("store"))
    try:
        store = redeem_store(actor=request.user, store_id=store_id)
    except DomainError as exc:
        return render(request, "aftersales/staff/redeem.html", {"error": error_text(exc), "stores": []},
                      status=exc.status)
    context, status = _context(request, store), 200
    if request.method == "POST":
        code = request.POST.get("code", "")
        purchase = request.POST.get("purchase", "")
        try:
            result = redeem_code(actor=request.user, code=code, store_id=store.pk,
                                 purchase_fen=_purchase_fen(purchase))
        except DomainError as exc:
            status = exc.status
            context.update(error=error_text(exc), error_code=exc.code, code=code[:32], purchase=purchase[:20],
                           first=exc.detail if exc.code == "redeem_already" else None)
        else:
            context = _context(request, store)
            context["redeemed"] = result.redemption
    return render(request, "aftersales/staff/redeem.html", context, status=status)


@require_POST
@role_required(Role.GUIDE, Role.MERCHANT_OWNER)
def redeem_received(request, order_id: int):
    """The store received a pick-up parcel: the buyer now sees 待自提 with the code."""
    try:
        order = pickup_parcel_received(actor=request.user, order_id=order_id)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        store = None
    else:
        messages.success(request, _("订单 %(number)s 已到店，已通知顾客来取。") % {"number": order.number})
        store = order.pickup_store_id
    target = redirect("orders:redeem")
    if store and request.user.role == Role.MERCHANT_OWNER:
        target["Location"] += f"?store={store}"
    return target
