"""The promoter centre's withdraw form. It checks shape only; the ledger decides what is allowed."""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import InvalidInput
from linkmall.core.money import yuan_to_fen

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
#: no withdrawal is larger than this; a bigger number is a typing slip, not a request
MAX_WITHDRAWAL_FEN = 10_000_000_00


def new_form_key() -> str:
    """A fresh idempotency key for one rendering of the form: a double submit sends it twice."""
    return uuid.uuid4().hex


class WithdrawForm(forms.Form):
    amount = forms.CharField(
        label=_("提现金额（元）"), max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
        error_messages={"required": _("请填写提现金额。")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def clean_amount(self) -> int:
        try:
            fen = yuan_to_fen(self.cleaned_data["amount"])
        except InvalidInput:
            raise forms.ValidationError(_("请输入正确的金额，最多两位小数。")) from None
        if fen <= 0:
            raise forms.ValidationError(_("提现金额必须大于 0。"))
        if fen > MAX_WITHDRAWAL_FEN:
            raise forms.ValidationError(_("提现金额太大了。"))
        return fen

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(_("页面已过期，请刷新后重新提交。"))
        return key
