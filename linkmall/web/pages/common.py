"""Helpers shared by the consumer pages: who is buying, and turning domain errors into page answers."""


from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import DomainError, NotFound
from linkmall.web.templatetags.web import CURRENT_STORE_COOKIE, current_store_id

REMEMBER_STORE_SECONDS = 90 * 24 * 3600


def remember_store(request, response, store_id: int):
    """The tab bar's 首页/分类 lead back to the store last visited. The cookie is only sent when
    it changes."""
    if current_store_id(request) != store_id:
        response.set_cookie(CURRENT_STORE_COOKIE, str(store_id), max_age=REMEMBER_STORE_SECONDS,
                            samesite="Lax", httponly=True)
    return response


def not_found_as_404(exc: NotFound):
    """Another tenant's object, or an unknown one, answers 404 — the same page either way."""
    raise Http404(exc.message) from exc


#: consumer-facing wording for the stable error codes of the services; the code is the contract,
#: the service's own (English) message is the fallback for codes not listed here
ERROR_TEXT = {
    "out_of_stock": _("库存不足，请减少数量或选择其他规格。"),
    "invalid_input": _("输入有误，请检查后再提交。"),
    "not_found": _("没有找到对应的内容。"),
    "permission_denied": _("你没有权限进行这个操作。"),
    "not_authenticated": _("请先登录。"),
    "rate_limited": _("操作太频繁，请稍后再试。"),
    "not_available": _("商品已下架或暂不可售。"),
    "cart_full": _("购物车已满，请先结算或删除一些商品。"),
    "client_token_reused": _("页面已过期，请刷新后重新提交。"),
    "too_many_addresses": _("收货地址太多了，请先删除不用的地址。"),
    "cart_empty": _("购物车是空的。"),
    "listing_unavailable": _("商品已下架或暂不可售。"),
    "order_not_payable": _("这个订单现在不能支付。"),
    "order_not_cancellable": _("这个订单现在不能取消。"),
    "not_receivable": _("这个订单现在不能确认收货。"),
    "nothing_shipped": _("商家还没有发货，暂时不能确认收货。"),
}


def error_text(exc: DomainError) -> str:
    text = ERROR_TEXT.get(exc.code)
    return str(text) if text else exc.message


def flash_error(request, exc: DomainError) -> None:
    messages.error(request, error_text(exc))


