"""After-sales services (writes). Reads are in linkmall.aftersales.selectors."""

from linkmall.aftersales.services.consumer import aftersale_request, aftersale_return_ship, aftersale_withdraw
from linkmall.aftersales.services.decisions import aftersale_approve, aftersale_reject, aftersale_return_receive
from linkmall.aftersales.services.guarantee import aftersale_guarantee
from linkmall.aftersales.services.photos import photos_validate

__all__ = [
    "aftersale_approve",
    "aftersale_guarantee",
    "aftersale_reject",
    "aftersale_request",
    "aftersale_return_receive",
    "aftersale_return_ship",
    "aftersale_withdraw",
    "photos_validate",
]
