"""Helpers of the after-sales pages: domain errors in the consumer's words."""

from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import DomainError

#: wording of the stable error codes; the code is the contract, the service's message the fallback
ERROR_TEXT = {
    "invalid_input": _("输入有误，请检查后再提交。"),
    "not_found": _("没有找到对应的售后申请。"),
    "permission_denied": _("你没有权限进行这个操作。"),
    "order_not_paid": _("订单未支付或已关闭，不能申请售后。"),
    "not_shipped": _("商品还未发货，无需退货，请选择“仅退款”。"),
    "aftersale_window_closed": _("已超过售后期限，不能再申请。"),
    "quantity_exceeds": _("申请数量超过可申请的数量。"),
    "too_many_photos": _("最多上传 6 张图片。"),
    "photo_too_large": _("图片太大，请压缩后再上传。"),
    "photo_not_an_image": _("只能上传 JPG、PNG、WebP 或 GIF 图片。"),
    "aftersale_state": _("申请状态已变化，请刷新后再试。"),
    "return_deadline_passed": _("已超过寄回期限。"),
    "response_deadline_passed": _("已超过处理期限，平台正在介入处理。"),
    "refund_exceeds": _("退款金额超过可退金额。"),
}


def error_text(exc: DomainError) -> str:
    text = ERROR_TEXT.get(exc.code)
    return str(text) if text else exc.message


def flash_error(request, exc: DomainError) -> None:
    messages.error(request, error_text(exc))
