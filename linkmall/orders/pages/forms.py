from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.orders.services import CARRIERS


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("快递公司"), choices=sorted(CARRIERS.items()))
    tracking_number = forms.CharField(label=_("运单号"), max_length=40)
