"""The merchant console's form for a share-to-get campaign. The service checks the terms; the form only
parses them."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.campaigns.models import ShareMode
from linkmall.campaigns.services.sharing import MAX_FRIENDS, MAX_REWARDS, ShareCampaignFields


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class ShareCampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    friend_template = forms.TypedChoiceField(label=_("好友券（新客领取）"), coerce=int)
    reward_template = forms.TypedChoiceField(label=_("分享人奖励券"), coerce=int)
    friends_needed = forms.IntegerField(label=_("每几位好友得一张奖励"), min_value=1, max_value=MAX_FRIENDS)
    mode = forms.ChoiceField(label=_("好友何时计入"), choices=ShareMode.choices, initial=ShareMode.CLAIMS)
    max_rewards = forms.IntegerField(label=_("每人最多奖励几次"), min_value=1, max_value=MAX_REWARDS, initial=1)
    starts_at = _when(_("开始时间（留空为现在）"))
    ends_at = _when(_("结束时间（留空为长期）"))

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *templates]
        self.fields["friend_template"].choices = choices  # type: ignore[attr-defined]
        self.fields["reward_template"].choices = choices  # type: ignore[attr-defined]

    def fields_for_service(self) -> ShareCampaignFields:
        data = self.cleaned_data
        return {
            "name": data["name"], "friend_template_id": data["friend_template"],
            "reward_template_id": data["reward_template"], "friends_needed": data["friends_needed"],
            "mode": data["mode"], "max_rewards": data.get("max_rewards") or 1,
            "starts_at": data.get("starts_at"), "ends_at": data.get("ends_at"),
        }
