"""The merchant console's forms. Amounts are typed in yuan and become fen here; a percent is the
share taken off (10 = 9折). The services check the terms; a form only parses them."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.campaigns.models import CouponSource, Kind, ScopeKind
from linkmall.campaigns.services import CouponTemplateFields, PromotionFields
from linkmall.core.money import yuan_to_fen

MAX_YUAN = Decimal("100000000")


def _yuan_field(label: str | Any, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=Decimal("0"), max_value=MAX_YUAN,
                              decimal_places=2, max_digits=12)


class _TermsForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("优惠方式"), choices=Kind.choices)
    amount = _yuan_field(_("减免金额（元）"))
    percent = forms.DecimalField(label=_("折扣（减去的百分比，10 即 9 折）"), required=False, min_value=Decimal("0.01"),
                                 max_value=Decimal("99.99"), decimal_places=2, max_digits=4)
    threshold = _yuan_field(_("门槛：满多少元（0 为无门槛）"))
    max_discount = _yuan_field(_("最多优惠（元，仅折扣）"))
    scope_kind = forms.ChoiceField(label=_("适用范围"), choices=ScopeKind.choices, initial=ScopeKind.ALL)
    scope_ids = forms.CharField(label=_("类目或商品编号（逗号分隔）"), required=False, max_length=2000)
    stacks_with_activity = forms.BooleanField(label=_("可与限时活动同享"), required=False)
    accept_loss = forms.BooleanField(label=_("接受亏损（优惠后可能低于成本）"), required=False)

    def clean_scope_ids(self) -> list[int]:
        text = str(self.cleaned_data.get("scope_ids") or "").replace("，", ",")
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if any(not part.isdigit() or len(part) > 9 for part in parts):
            raise forms.ValidationError(_("请填写数字编号，用逗号分隔"))
        return [int(part) for part in parts]

    def terms(self) -> dict[str, Any]:
        data = self.cleaned_data
        value: Decimal | int | None
        if data["kind"] == Kind.AMOUNT:
            value = yuan_to_fen(data["amount"], field="amount") if data.get("amount") else None
        else:
            value = data.get("percent")
        max_discount = data.get("max_discount")
        return {
            "name": data["name"], "kind": data["kind"], "value": value,
            "threshold_fen": yuan_to_fen(data.get("threshold") or 0, field="threshold"),
            "max_discount_fen": yuan_to_fen(max_discount, field="max_discount") if max_discount else None,
            "scope_kind": data["scope_kind"], "scope_ids": data.get("scope_ids") or [],
            "stacks_with_activity": bool(data.get("stacks_with_activity")),
        }


def _when(label: str | Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class PromotionForm(_TermsForm):
    threshold_quantity = forms.IntegerField(label=_("门槛：满多少件（0 为不限）"), required=False, min_value=0,
                                            max_value=10_000)
    new_customers_only = forms.BooleanField(label=_("仅限新客（首单）"), required=False)
    starts_at = _when(_("开始时间（留空为现在）"))
    ends_at = _when(_("结束时间（留空为长期）"))

    def fields_for_service(self) -> PromotionFields:
        data = self.cleaned_data
        starts_at: datetime | None = data.get("starts_at")
        out: PromotionFields = {
            **self.terms(),  # type: ignore[typeddict-item]
            "threshold_quantity": data.get("threshold_quantity") or 0,
            "new_customers_only": bool(data.get("new_customers_only")),
            "starts_at": starts_at,
            "ends_at": data.get("ends_at"),
        }
        return out


class CouponTemplateForm(_TermsForm):
    total = forms.IntegerField(label=_("发放总量（张）"), min_value=1, max_value=10_000_000)
    per_user_limit = forms.IntegerField(label=_("每人限领（张）"), min_value=1, max_value=100, initial=1)
    valid_days = forms.IntegerField(label=_("领取后有效天数"), required=False, min_value=1, max_value=3650)
    valid_from = _when(_("或固定有效期：开始"))
    valid_until = _when(_("固定有效期：结束"))
    sources = forms.MultipleChoiceField(label=_("发放方式"), choices=CouponSource.choices, initial=[CouponSource.CLAIM],
                                        widget=forms.CheckboxSelectMultiple)
    in_store = forms.BooleanField(label=_("到店核销（仅限门店使用，线上不可用）"), required=False)
    geofence_store = forms.IntegerField(label=_("地理围栏：门店编号（留空为不限位置）"), required=False, min_value=1,
                                        max_value=2**31 - 1)
    geofence_radius_m = forms.IntegerField(label=_("地理围栏半径（米，100–50000）"), required=False, min_value=1,
                                           max_value=10_000_000)

    def fields_for_service(self) -> CouponTemplateFields:
        data = self.cleaned_data
        out: CouponTemplateFields = {
            **self.terms(),  # type: ignore[typeddict-item]
            "total": data["total"],
            "per_user_limit": data.get("per_user_limit") or 1,
            "valid_days": data.get("valid_days"),
            "valid_from": data.get("valid_from"),
            "valid_until": data.get("valid_until"),
            "sources": list(data.get("sources") or []),
            "in_store": bool(data.get("in_store")),
            "geofence_store_id": data.get("geofence_store"),
            "geofence_radius_m": data.get("geofence_radius_m"),
        }
        return out


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("active", "active"), ("paused", "paused"), ("ended", "ended")])
