"""The merchant console's bargains (砍价): create an activity, pause / activate / end it, and the list
with the count of bargains open, bought and expired, exported as CSV. Thin: read through
`selectors.bargain`, write through `services.bargain`."""

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
from linkmall.campaigns.models import BargainActivity
from linkmall.campaigns.pages.console import _merchant, _moves
from linkmall.campaigns.pages.flash_console import _listings
from linkmall.campaigns.pages.forms import _when, _yuan_field
from linkmall.campaigns.selectors.bargain import bargain_activities_of, bargain_counts
from linkmall.campaigns.services.bargain import (
    MAX_HELPERS,
    MAX_HOURS,
    BargainFields,
    bargain_activity_create,
    bargain_activity_set_status,
)
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError, NotFound
from linkmall.core.money import fen_to_yuan, yuan_to_fen
from linkmall.core.tables import CSV_CONTENT_TYPE, Table, csv_bytes

LIST_SIZE = 100
EXPORT_SIZE = 10_000
merchant_owner = role_required(Role.MERCHANT_OWNER)


class BargainForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    listing = forms.TypedChoiceField(label=gettext_lazy("商品（规格）"), coerce=int)
    starts_at = _when(gettext_lazy("开始时间"))
    ends_at = _when(gettext_lazy("结束时间"))
    start_price = _yuan_field(gettext_lazy("起始价（元，留空为售价）"), required=False)
    floor_price = _yuan_field(gettext_lazy("底价（元）"), required=True)
    helpers_needed = forms.IntegerField(label=gettext_lazy("需要好友帮砍人数"), min_value=1, max_value=MAX_HELPERS,
                                        initial=5)
    hours = forms.IntegerField(label=gettext_lazy("每次砍价有效时长（小时）"), min_value=1, max_value=MAX_HOURS,
                               initial=24)
    rewards = forms.BooleanField(label=gettext_lazy("砍价订单参与分销奖励"), required=False)
    accept_loss = forms.BooleanField(label=gettext_lazy("接受亏损（底价低于成本）"), required=False)

    def __init__(self, *args: Any, listings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listing"].choices = listings  # type: ignore[attr-defined]

    def fields_for_service(self) -> BargainFields:
        data = self.cleaned_data
        start = data.get("start_price")
        return BargainFields(
            listing_id=data["listing"], name=data["name"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            start_fen=yuan_to_fen(start, field="start_price") if start is not None else None,
            floor_fen=yuan_to_fen(data["floor_price"], field="floor_price"),
            helpers_needed=data["helpers_needed"], hours=data["hours"], rewards=data["rewards"])


def _console(request: UserRequest, *, form: BargainForm | None = None, status: int = 200) -> HttpResponse:
    activities = list(bargain_activities_of(actor=request.user)[:LIST_SIZE])
    counts = bargain_counts([a.pk for a in activities])
    rows = [{"obj": a, "counts": counts[a.pk], "moves": _moves(a.status)} for a in activities]
    form = form or BargainForm(listings=_listings(request))
    return render(request, "campaigns/bargain_console.html", {"rows": rows, "form": form, "nav": "campaigns"},
                  status=status)


@require_GET
@merchant_owner
def bargain_console(request: UserRequest) -> HttpResponse:
    return _console(request)


@require_POST
@merchant_owner
def bargain_new(request: UserRequest) -> HttpResponse:
    form = BargainForm(request.POST, listings=_listings(request))
    if form.is_valid():
        try:
            bargain_activity_create(actor=request.user, merchant=_merchant(request),
                                    fields=form.fields_for_service(), accept_loss=form.cleaned_data["accept_loss"])
        except DomainError as exc:
            form.add_error(None, error_text(exc, with_fields=True))
        else:
            messages.success(request, _("砍价活动已创建。"))
            return redirect("campaigns:bargain_console")
    return _console(request, form=form, status=400)


@require_POST
@merchant_owner
def bargain_status(request: UserRequest, activity_id: int) -> HttpResponse:
    try:
        activity = bargain_activity_set_status(actor=request.user, activity_id=activity_id,
                                               status=request.POST.get("status", ""))
        messages.success(request, _("已更新：%(name)s") % {"name": activity.name})
    except NotFound:
        raise Http404("No such bargain activity.") from None
    except DomainError as exc:
        messages.error(request, error_text(exc, with_fields=True))
    return redirect("campaigns:bargain_console")


@require_GET
@merchant_owner
def bargain_export(request: UserRequest) -> HttpResponse:
    """The merchant's bargain activities with their bargains' counts, as CSV."""
    activities: list[BargainActivity] = list(bargain_activities_of(actor=request.user)[:EXPORT_SIZE])
    counts = bargain_counts([a.pk for a in activities])
    rows: list[list[object]] = [
        [a.pk, a.name, a.listing.product.name, a.starts_at.isoformat(), a.ends_at.isoformat(),
         fen_to_yuan(a.start_fen), fen_to_yuan(a.floor_fen), a.helpers_needed, a.hours, a.get_status_display(),
         counts[a.pk]["open"], counts[a.pk]["bought"], counts[a.pk]["expired"]]
        for a in activities]
    table = Table(title=_("砍价"), rows=rows, header=[
        _("编号"), _("名称"), _("商品"), _("开始时间"), _("结束时间"), _("起始价"), _("底价"), _("需要好友帮砍人数"),
        _("每次砍价有效时长（小时）"), _("状态"), _("砍价中"), _("已下单"), _("已过期")])
    response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="bargains.csv"'
    return response
