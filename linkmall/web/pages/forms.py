"""Forms of the consumer pages. They check shape only; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import DomainError
from linkmall.orders.services.cart import MAX_QUANTITY


class QuantityField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_QUANTITY)
        kwargs.setdefault("error_messages", {
            "required": _("请填写数量。"), "invalid": _("数量必须是整数。"),
            "min_value": _("数量至少为 1。"), "max_value": _("数量不能超过 %(limit_value)s。"),
        })
        super().__init__(**kwargs)


class AddToCartForm(forms.Form):
    listing = forms.IntegerField(min_value=1, error_messages={
        "required": _("请选择规格。"), "invalid": _("请选择规格。"), "min_value": _("请选择规格。"),
    })
    quantity = QuantityField()


class QuantityForm(forms.Form):
    quantity = QuantityField()


class AddressForm(forms.Form):
    recipient = forms.CharField(label=_("收货人"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    province = forms.CharField(label=_("省份"), max_length=20)
    city = forms.CharField(label=_("城市"), max_length=20)
    district = forms.CharField(label=_("区县"), max_length=20, required=False)
    detail = forms.CharField(label=_("详细地址"), max_length=200)
    is_default = forms.BooleanField(label=_("设为默认地址"), required=False)

    error_css_class = "has-error"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.required:
                field.error_messages["required"] = _("这一项必须填写。")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = phone.replace("-", "").replace(" ", "").lstrip("+")
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise forms.ValidationError(_("请输入正确的手机号。"))
        return phone


class CheckoutForm(forms.Form):
    """Place the order. `client_token` is minted when the page is shown, so a double submit
    (or a reload of the POST) places one order."""

    client_token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    #: a delivery needs an address (checked in the view); a pick-up order may go without one
    address = forms.IntegerField(required=False, error_messages={"invalid": _("请选择收货地址。")})
    fulfilment_mode = forms.ChoiceField(choices=[("delivery", _("快递配送")), ("pickup", _("到店自提"))],
                                        required=False, initial="delivery")
    pickup_store = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    note = forms.CharField(label=_("订单备注"), max_length=200, required=False)
    merchant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quantity = QuantityField(required=False, widget=forms.HiddenInput)
    #: the coupon and points the page priced the order with (0: none)
    coupon = forms.IntegerField(required=False, min_value=0, max_value=2**63 - 1, widget=forms.HiddenInput)
    points = forms.IntegerField(required=False, min_value=0, max_value=10**12, widget=forms.HiddenInput)


def add_domain_error(form: forms.Form, exc: DomainError, message: str) -> None:
    """Show a service's refusal next to the field it names (detail["field"]), else above the form."""
    field = exc.detail.get("field") if isinstance(exc.detail, dict) else None
    form.add_error(field if field in form.fields else None, message)
