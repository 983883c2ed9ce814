"""Forms of the guide's card editor and the merchant's promotions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.cards.services.card import FEATURED_MAX, PHOTO_MAX_BYTES


class CardForm(forms.Form):
    headline = forms.CharField(label=_("一句话介绍"), max_length=60, required=False,
                               help_text=_("例如：资深美妆顾问 · 8 年"))
    bio = forms.CharField(label=_("关于我"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.FileField(label=_("照片"), required=False, help_text=_("JPG/PNG/WebP，不超过 5 MB"))
    remove_photo = forms.BooleanField(label=_("删除照片"), required=False)
    featured = forms.TypedMultipleChoiceField(label=_("推荐商品"), coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    is_published = forms.BooleanField(label=_("公开我的名片"), required=False)

    def __init__(self, *args, products: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        featured = self.fields["featured"]
        assert isinstance(featured, forms.TypedMultipleChoiceField)
        featured.choices = products

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("照片不能超过 5 MB。"))
        return photo

    def clean_featured(self):
        featured = self.cleaned_data["featured"]
        if len(featured) > FEATURED_MAX:
            raise forms.ValidationError(_("最多推荐 %(n)s 件商品。") % {"n": FEATURED_MAX})
        return featured


def _local_datetime() -> forms.DateTimeInput:
    # the browser's picker only shows a value written exactly like this
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PromotionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=60)
    detail = forms.CharField(label=_("说明"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_local_datetime())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=_local_datetime())
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("结束时间必须晚于开始时间。"))
        return cleaned
