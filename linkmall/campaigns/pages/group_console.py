"""The merchant console's group buys (拼团): create an activity, pause / activate / end it, the list
with groups open / complete / failed, one activity's groups with every member (virtual ones
flagged) and the state of a failed group's refunds, exported as CSV. The refund retry button posts
to payments (`payments:group_refund_retry`), which moves the money. Thin: read through
`selectors.group`, write through `services.group`."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from linkmall.accounts.http import UserRequest
from linkmall.accounts.models import Role
from linkmall.accounts.pages.decorators import role_required
from linkmall.campaigns.pages.console import _merchant, _moves
from linkmall.campaigns.pages.flash_console import _listings
from linkmall.campaigns.pages.forms import _when, _yuan_field
from linkmall.campaigns.selectors.group import activity_groups, group_buys_of, group_counts
from linkmall.campaigns.services.group import (
    MAX_HOURS,
    MAX_PER_USER,
    MAX_SIZE,
    MIN_SIZE,
    GroupBuyFields,
    group_buy_create,
    group_buy_set_status,
)
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan, yuan_to_fen
from linkmall.core.tables import CSV_CONTENT_TYPE, Table, csv_bytes

LIST_SIZE = 100
EXPORT_SIZE = 10_000
merchant_owner = role_required(Role.MERCHANT_OWNER)


class GroupBuyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    listing = forms.TypedChoiceField(label=gettext_lazy("商品（规格）"), coerce=int)
    starts_at = _when(gettext_lazy("开始时间"))
    ends_at = _when(gettext_lazy("结束时间"))
    size = forms.IntegerField(label=gettext_lazy("成团人数"), min_value=MIN_SIZE, max_value=MAX_SIZE, initial=3)
    price = _yuan_field(gettext_lazy("拼团价（元）"), required=True)
    leader_discount = _yuan_field(gettext_lazy("团长优惠（元，可不填）"), required=False)
    stock = forms.IntegerField(label=gettext_lazy("活动库存"), min_value=1, max_value=10_000, initial=10)
    hours = forms.IntegerField(label=gettext_lazy("成团时限（小时）"), min_value=1, max_value=MAX_HOURS, initial=24)
    per_user_limit = forms.IntegerField(label=gettext_lazy("每人限参团次数"), min_value=1, max_value=MAX_PER_USER,
                                        initial=1)
    virtual_fill_percent = forms.IntegerField(label=gettext_lazy("模拟成团：满百分之几自动成团（可不填）"),
                                              min_value=1, max_value=99, required=False)
    rewards = forms.BooleanField(label=gettext_lazy("拼团订单参与分销奖励"), required=False)
    accept_loss = forms.BooleanField(label=gettext_lazy("接受亏损（拼团价低于成本）"), required=False)

    def __init__(self, *args: Any, listings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listing"].choices = listings  # type: ignore[attr-defined]

    def fields_for_service(self) -> GroupBuyFields:
        data = self.cleaned_data
        discount = data.get("leader_discount")
        return GroupBuyFields(
            listing_id=data["listing"], name=data["name"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            size=data["size"], price_fen=yuan_to_fen(data["price"], field="price"),
            leader_discount_fen=yuan_to_fen(discount, field="leader_discount") if discount is not None else 0,
            stock=data["stock"], hours=data["hours"], per_user_limit=data["per_user_limit"],
            virtual_fill_percent=data.get("virtual_fill_percent"), rewards=data["rewards"])


def _console(request: UserRequest, *, form: GroupBuyForm | None = None, status: int = 200) -> HttpResponse:
    activities = list(group_buys_of(actor=request.user)[:LIST_SIZE])
    counts = group_counts([a.pk for a in activities])
    rows = [{"obj": a, "counts": counts[a.pk], "moves": _moves(a.status)} for a in activities]
    form = form or GroupBuyForm(listings=_listings(request))
    return render(request, "campaigns/group_console.html", {"rows": rows, "form": form, "nav": "campaigns"},
                  status=status)


@require_GET
@merchant_owner
def group_console(request: UserRequest) -> HttpResponse:
    return _console(request)


@require_POST
@merchant_owner
def group_new(request: UserRequest) -> HttpResponse:
    form = GroupBuyForm(request.POST, listings=_listings(request))
    if form.is_valid():
        try:
            group_buy_create(actor=request.user, merchant=_merchant(request), fields=form.fields_for_service(),
                             accept_loss=form.cleaned_data["accept_loss"])
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("拼团活动已创建。"))
            return redirect("campaigns:group_console")
    return _console(request, form=form, status=400)


@require_POST
@merchant_owner
def group_status(request: UserRequest, activity_id: int) -> HttpResponse:
    try:
        activity = group_buy_set_status(actor=request.user, activity_id=activity_id,
                                        status=request.POST.get("status", ""))
        messages.success(request, _("已更新：%(name)s") % {"name": activity.name})
    except NotFound:
        raise Http404("No such group buy.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc, with_fields=True))
    return redirect("campaigns:group_console")


@require_GET
@merchant_owner
def group_groups(request: UserRequest, activity_id: int) -> HttpResponse:
    """One activity's groups, members (virtual ones flagged) and refunds still pending or refused."""
    try:
        activity, views = activity_groups(actor=request.user, activity_id=activity_id)
    except NotFound:
        raise Http404("No such group buy.") from None
    refunds = [(view.group, m) for view in views for m in view.members if m.refund_state in ("pending", "failed")]
    return render(request, "campaigns/group_groups.html",
                  {"activity": activity, "views": views, "refunds": refunds, "nav": "campaigns"})


@require_GET
@merchant_owner
def group_export(request: UserRequest) -> HttpResponse:
    """The merchant's group buys with their groups' counts, as CSV."""
    activities = list(group_buys_of(actor=request.user)[:EXPORT_SIZE])
    counts = group_counts([a.pk for a in activities])
    rows: list[list[object]] = [
        [a.pk, a.name, a.listing.product.name, a.starts_at.isoformat(), a.ends_at.isoformat(), a.size,
         fen_to_yuan(a.price_fen), fen_to_yuan(a.leader_discount_fen), a.stock, a.sold, a.get_status_display(),
         counts[a.pk]["open"], counts[a.pk]["complete"], counts[a.pk]["failed"]]
        for a in activities]
    table = Table(title=_("拼团"), rows=rows, header=[
        _("编号"), _("名称"), _("商品"), _("开始时间"), _("结束时间"), _("成团人数"), _("拼团价"), _("团长优惠"),
        _("活动库存"), _("已售"), _("状态"), _("拼团中"), _("已成团"), _("拼团失败")])
    response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="group-buys.csv"'
    return response
