"""Page forms: they parse input; every rule is checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.aftersales.models import AfterSaleRequest

#: carriers offered in the return form (a consumer may still type another)
COMMON_CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递", "京东物流", "中国邮政 EMS", "极兔速递"]


class AfterSaleRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("售后类型"), choices=AfterSaleRequest.Kind.choices, widget=forms.RadioSelect)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=9999)
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class ReturnShipmentForm(forms.Form):
    carrier = forms.CharField(label=_("快递公司"), max_length=50)
    tracking_number = forms.RegexField(
        label=_("快递单号"),
        regex=r"^[A-Za-z0-9-]{4,64}$",
        error_messages={"invalid": _("快递单号为 4–64 位字母、数字或短横线。")},
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
