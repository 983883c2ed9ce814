"""The sandbox gateway's cashier page. It exists only while the sandbox is the configured gateway,
so a production site with a real gateway has no page that marks anything paid."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan
from linkmall.payments.gateways.sandbox import sandbox_trade_get, sandbox_trade_pay


def _sandbox_enabled() -> bool:
    return settings.LINKMALL.get("PAYMENT_GATEWAY", "sandbox") == "sandbox"


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    if not _sandbox_enabled():
        raise Http404
    try:
        trade = sandbox_trade_get(out_trade_no=out_trade_no)
        if request.method == "POST":
            trade = sandbox_trade_pay(out_trade_no=out_trade_no)
    except NotFound:
        raise Http404 from None
    return_url = (
        trade.return_url
        if url_has_allowed_host_and_scheme(trade.return_url, allowed_hosts={request.get_host()})
        else ""
    )
    return render(
        request,
        "payments/sandbox_pay.html",
        {
            "trade": trade,
            "amount": fen_to_yuan(trade.amount_fen),
            "return_url": return_url or "/",
            "paid": trade.status == trade.Status.PAID,
        },
    )


@require_http_methods(["POST"])
@role_required(Role.MERCHANT_OWNER, Role.PLATFORM)
def group_refund_retry_page(request: UserRequest, member_id: int) -> HttpResponse:
    """The group buy console's 重试退款 button (payments moves the money); back to the groups page."""
    from linkmall.campaigns.models import GroupBuyMember
    from linkmall.payments.group_refunds import group_refund_retry

    try:
        group_refund_retry(actor=request.user, member_id=member_id)
    except NotFound:
        raise Http404("No such group member.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已重新提交退款。"))
    activity_id = GroupBuyMember.objects.values_list("group__activity_id", flat=True).get(pk=member_id)
    return redirect("campaigns:group_groups", activity_id=activity_id)
