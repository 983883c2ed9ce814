"""Forms of the ledger pages."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.core import clock
from linkmall.core.errors import InvalidInput
from linkmall.core.money import yuan_to_fen


class StatementRangeForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def range(self) -> tuple[date, date]:
        """The chosen days; by default the last 30 days up to today."""
        today = clock.today()
        data = self.cleaned_data if self.is_valid() else {}
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - timedelta(days=29)
        return date_from, date_to


class WithdrawalRequestForm(forms.Form):
    amount = forms.CharField(label=_("提现金额（元）"), max_length=16)
    #: one key per form shown, so a double submit is one withdrawal
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def clean_amount(self) -> int:
        try:
            fen = yuan_to_fen(self.cleaned_data["amount"])
        except InvalidInput:
            raise forms.ValidationError(_("请输入正确的金额，例如 100.00。")) from None
        if fen <= 0:
            raise forms.ValidationError(_("提现金额必须大于 0。"))
        return fen


class WithdrawalRejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200)
