from django import forms
from django.utils.translation import gettext_lazy as _


class SmsLoginForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=32)
    code = forms.CharField(label=_("验证码"), max_length=16, required=False)


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), max_length=256, widget=forms.PasswordInput)
