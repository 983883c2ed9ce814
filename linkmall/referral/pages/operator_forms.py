"""Forms of the operator pages: a plan draft (profile + overrides of §7), the kill switch."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.core.errors import InvalidInput
from linkmall.referral.plans import PROFILES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROFILE_CHOICES = [("sales", _("sales（销售型，默认）")), ("classic", _("classic（经典型）"))]
BLANK_HELP = _("留空沿用所选方案的默认值")

#: the §7 keys in the order the form shows them
PLAN_FIELDS = tuple(PROFILES["classic"])


def _text(label: "StrOrPromise", help_text: "StrOrPromise" = BLANK_HELP, **extra: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=32, help_text=help_text, **extra)


class PlanDraftForm(forms.Form):
    """Overrides left blank keep the profile's value; Plan.parse is the judge of the rest."""

    profile = forms.ChoiceField(label=_("基础方案"), choices=PROFILE_CHOICES, initial="sales")
    slide_count = _text(_("滑落人数（晋升老板所需推荐数）"))
    entry = _text(_("成为代理的条件：qualifying（购买礼包）或累计消费金额，如 999.00"))
    rewards_on = forms.ChoiceField(label=_("计奖商品"), required=False, choices=[
        ("", _("沿用默认")), ("qualifying", _("仅礼包商品")), ("all", _("所有设置了佣金池的商品"))])
    direct = _text(_("直推奖：每件金额如 100.00，或佣金池比例如 60%，off 为关闭"))
    team = _text(_("团队奖：每件金额或佣金池比例，off 为关闭"))
    peer = _text(_("平级奖：团队奖的比例如 10%，off 为关闭"))
    team_depth_limit = _text(_("团队奖层级上限：正整数，none 为不限"))
    payout_cap = _text(_("奖励上限（占售价比例）如 30%，off 为不设上限"))
    basis = forms.ChoiceField(label=_("计奖时点"), required=False, choices=[
        ("", _("沿用默认")), ("paid", _("付款时（paid）")), ("settled", _("结算后（settled）"))])
    settle_days = _text(_("结算天数"))
    platform_fee = _text(_("平台服务费比例，如 5%"))

    def plan_config(self) -> dict[str, Any]:
        """The plan file dict: the profile and every override the operator typed, in plan-file types."""
        data = self.cleaned_data
        config: dict[str, Any] = {"profile": data["profile"]}
        for key in PLAN_FIELDS:
            raw = (data.get(key) or "").strip()
            if raw:
                config[key] = _plan_value(key, raw)
        return config

    def add_plan_error(self, exc: InvalidInput) -> None:
        """Show Plan.parse's refusal next to the field it names (or on top of the form)."""
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        key = str(detail.get("key") or detail.get("field") or "").split(".")[0]
        self.add_error(key if key in self.fields else None, exc.message)


def _plan_value(key: str, raw: str) -> int | str | dict[str, str] | None:
    lowered = raw.lower()
    if key in ("slide_count", "settle_days"):
        return int(raw) if raw.lstrip("-").isdigit() else raw
    if key == "team_depth_limit":
        if lowered in ("none", "off", "无"):
            return None
        return int(raw) if raw.lstrip("-").isdigit() else raw
    if key == "entry":
        return "qualifying" if lowered == "qualifying" else {"spend": raw}
    if key in ("direct", "team", "peer", "payout_cap") and lowered in ("off", "none", "无"):
        return "off" if key != "payout_cap" else None
    return raw


class AcknowledgeForm(forms.Form):
    """One checkbox per risk of the plan: the operator must tick them all."""

    def __init__(self, *args: Any, risks: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.risks = risks
        self.fields["codes"] = forms.MultipleChoiceField(
            label=_("我已阅读并理解以下合规风险"), required=True,
            choices=[(r["code"], r["code"]) for r in risks], widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("请逐条确认每一项合规风险。")},
        )


class KillSwitchForm(forms.Form):
    paused = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    reason = forms.CharField(label=_("原因"), max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("例如：监管问询，暂停发放新奖励")}))
    confirm = forms.BooleanField(label=_("我确认执行此操作"), required=True,
                                 error_messages={"required": _("请勾选确认。")})

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and data.get("paused") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("暂停奖励时请填写原因。"))
        return data
