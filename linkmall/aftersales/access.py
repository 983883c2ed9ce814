"""Who someone is on an after-sales request: its consumer, the supplier of its line, the merchant
of its order, or platform staff. Everyone else has no part in it and is answered "not found"."""

from django.utils.translation import gettext_lazy as _

from linkmall.accounts.models import Role, User
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.core.errors import NotAuthenticated, NotFound, PermissionDenied

# Roles an actor can hold on one request (AfterSaleEvent.actor_role).
CONSUMER = "consumer"
SUPPLIER = "supplier"
MERCHANT = "merchant"
PLATFORM = "platform"
#: the guarantee's timer: the platform acting on its own when a deadline passed
SYSTEM = "system"

ROLE_LABELS = {
    CONSUMER: _("消费者"),
    SUPPLIER: _("供应商"),
    MERCHANT: _("商家"),
    PLATFORM: _("平台"),
    SYSTEM: _("平台兜底"),
}

# Actions of the audit trail (AfterSaleEvent.action).
ACTION_LABELS = {
    "requested": _("申请售后"),
    "approved": _("同意申请"),
    "rejected": _("拒绝申请"),
    "return_shipped": _("寄回商品"),
    "return_received": _("确认收到退货"),
    "refunded": _("退款"),
    "withdrawn": _("撤销申请"),
    "closed": _("超时未寄回，申请关闭"),
    "guarantee": _("超时未处理，平台介入"),
}


def role_on(actor: User | None, request: AfterSaleRequest) -> str | None:
    """The part `actor` plays on `request`, or None when it is none of their business."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    if actor.role == Role.PLATFORM:
        return PLATFORM
    if actor.role == Role.CONSUMER and actor.pk == request.requester_id:
        return CONSUMER
    if actor.role == Role.SUPPLIER_STAFF and actor.tenant_id == request.line.supplier_id:
        return SUPPLIER
    if actor.role == Role.MERCHANT_OWNER and actor.tenant_id == request.order.merchant_id:
        return MERCHANT
    return None


def require_role_on(actor: User | None, request: AfterSaleRequest, *allowed: str) -> str:
    """The actor's role on the request if it is one of `allowed`.

    Someone with no part in the request gets "not found" (ids of other tenants' requests leak
    nothing); a party who may see it but not do this gets "permission denied".
    """
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated("Log in first.")
    role = role_on(actor, request)
    if role is None:
        raise NotFound("No such after-sales request.")
    if role not in allowed:
        raise PermissionDenied("Your role may not do this to the request.", detail={"role": role})
    return role
