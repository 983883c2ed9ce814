"""Payment gateways, chosen by settings.LINKMALL["PAYMENT_GATEWAY"]."""

from linkmall.core.conf import linkmall_str
from linkmall.core.errors import NotFound
from linkmall.payments.gateways.base import (
    BadSignature,
    Gateway,
    GatewayUnavailable,
    Notification,
    RefundResult,
)


def _registry() -> dict[str, type[Gateway]]:
    from linkmall.payments.gateways.sandbox import SandboxGateway

    return {SandboxGateway.name: SandboxGateway}


def get_gateway(name: str | None = None) -> Gateway:
    """The gateway called `name`, or the configured one."""
    name = name or linkmall_str("PAYMENT_GATEWAY", "sandbox")
    gateway_class = _registry().get(name)
    if gateway_class is None:
        raise NotFound("No such payment gateway.", detail={"gateway": name})
    return gateway_class()


__all__ = ["BadSignature", "Gateway", "GatewayUnavailable", "Notification", "RefundResult", "get_gateway"]
