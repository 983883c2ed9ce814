"""Merchant console forms: parsing only (yuan → fen); the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.catalog.pages.forms import YuanField


class PickForm(forms.Form):
    price = YuanField(label=_("零售价（元）"))
    pool = YuanField(label=_("佣金池（元）"), required=False)


class StoreForm(forms.Form):
    name = forms.CharField(label=_("门店名称"), max_length=100)
    city = forms.CharField(label=_("城市"), max_length=50)
    address = forms.CharField(label=_("地址"), max_length=200)
    latitude = forms.DecimalField(label=_("纬度（GCJ-02）"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("经度（GCJ-02）"), max_digits=9, decimal_places=6)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    opening_hours = forms.CharField(label=_("营业时间"), max_length=50, required=False)


class GuideForm(forms.Form):
    store = forms.TypedChoiceField(label=_("门店"), coerce=int)
    display_name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("手机号"), max_length=20)
    title = forms.CharField(label=_("职位"), max_length=50, required=False)
    wechat = forms.CharField(label=_("微信号"), max_length=50, required=False)

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]
