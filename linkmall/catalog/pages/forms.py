"""Console forms. They only parse input (yuan → fen, "颜色/尺码" → list); rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from linkmall.catalog.importing import SPEC_SEPARATORS
from linkmall.catalog.models import Category
from linkmall.core.errors import InvalidInput
from linkmall.core.money import yuan_to_fen


class YuanField(forms.CharField):
    """An amount typed in yuan ("79", "79.90"), cleaned to integer fen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 14)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        text = super().clean(value)
        if text in ("", None):
            return None
        try:
            return yuan_to_fen(text)
        except InvalidInput:
            raise forms.ValidationError(_("请输入金额（元），最多两位小数")) from None


def split_specs(text: str) -> list[str]:
    return [part for part in SPEC_SEPARATORS.split((text or "").strip()) if part]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("商品名称"), max_length=120)
    category = forms.ModelChoiceField(label=_("分类"), queryset=Category.objects.all())
    subtitle = forms.CharField(label=_("副标题"), max_length=200, required=False)
    description = forms.CharField(label=_("商品描述"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class NewProductForm(ProductForm):
    spec_names = forms.CharField(label=_("规格名"), required=False, max_length=100,
                                 help_text=_("用 / 分隔，例如：颜色/尺码；无规格留空"))
    images = forms.FileField(label=_("商品图片"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class SkuRowForm(forms.Form):
    code = forms.CharField(label=_("SKU编码"), max_length=64)
    spec = forms.CharField(label=_("规格值"), max_length=100, required=False, help_text=_("例如：白/M"))
    cost = YuanField(label=_("成本价"))
    suggested_price = YuanField(label=_("建议零售价"))
    stock = forms.IntegerField(label=_("库存"), min_value=0)


SkuFormSet = forms.formset_factory(SkuRowForm, extra=3, max_num=50, validate_max=True)


class SkuPriceForm(forms.Form):
    cost = YuanField(label=_("成本价"))
    suggested_price = YuanField(label=_("建议零售价"))
    is_active = forms.BooleanField(label=_("在售"), required=False)


class StockForm(forms.Form):
    delta = forms.IntegerField(label=_("增减库存"), min_value=-10_000_000, max_value=10_000_000,
                               help_text=_("正数入库，负数出库"))


class ImageForm(forms.Form):
    image = forms.FileField(label=_("添加图片"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("导入文件（.csv / .xlsx）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
