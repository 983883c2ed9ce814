from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.customers.scoring.scores import normalised_weights


class ThresholdsForm(forms.Form):
    core_min = forms.FloatField(label=_("核心层最低总分"), min_value=0, max_value=1)
    active_min = forms.FloatField(label=_("活跃层最低总分"), min_value=0, max_value=1)
    weight_rfm = forms.FloatField(label=_("消费（RFM）权重"), min_value=0)
    weight_engagement = forms.FloatField(label=_("互动权重"), min_value=0)
    weight_influence = forms.FloatField(label=_("社交影响力权重"), min_value=0)

    def __init__(self, data=None, *, settings):
        weights = normalised_weights(settings.weights)
        initial = {"core_min": settings.core_min_score, "active_min": settings.active_min_score,
                   **{f"weight_{k}": round(v, 4) for k, v in weights.items()}}
        super().__init__(data, initial=initial)
        for field in self.fields.values():
            field.widget.attrs.update({"step": "0.05", "inputmode": "decimal"})

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"core_min": d["core_min"], "active_min": d["active_min"],
                "weights": {k: d[f"weight_{k}"] for k in ("rfm", "engagement", "influence")}}
