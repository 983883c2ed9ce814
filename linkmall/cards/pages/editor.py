"""The guide's card editor `/guide/card/`: pitch, photo, featured products, publish toggle."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from linkmall.cards import selectors, services
from linkmall.cards.pages.common import guide_page
from linkmall.cards.pages.forms import CardForm
from linkmall.core.errors import DomainError

PHOTO_ERRORS = {
    "photo_too_large": gettext_lazy("照片太大了，请换一张不超过 5 MB 的。"),
    "photo_format": gettext_lazy("请上传 JPG、PNG 或 WebP 格式的照片。"),
    "photo_too_small": gettext_lazy("照片太小了，请上传至少 120×120 像素的照片。"),
    "not_listed": gettext_lazy("只能推荐本店在售的商品。"),
}


@require_http_methods(["GET", "POST"])
@guide_page
def card_edit(request):
    guide = request.guide
    card = selectors.card_of_guide(guide)
    products = selectors.listed_products_of(merchant_id=guide.merchant_id)
    status = 200
    if request.method == "POST":
        form = CardForm(request.POST, request.FILES, products=products)
        if form.is_valid():
            data = form.cleaned_data
            photo = data["photo"].read() if data["photo"] else None
            edit = services.CardEdit(headline=data["headline"], bio=data["bio"], is_published=data["is_published"],
                                     featured_ids=data["featured"], photo=photo, remove_photo=data["remove_photo"])
            try:
                services.card_update(actor=request.user, guide_id=guide.pk, edit=edit)
            except DomainError as exc:
                field = exc.detail.get("field") if isinstance(exc.detail, dict) else None
                form.add_error(field if field in form.fields else None, str(PHOTO_ERRORS.get(exc.code, exc.message)))
            else:
                messages.success(request, _("名片已保存"))
                return redirect("cards:card_edit")
        status = 400
    else:
        form = CardForm(initial={
            "headline": card.headline, "bio": card.bio, "is_published": card.is_published,
            "featured": selectors.card_featured_ids(card),
        }, products=products)
    return render(request, "cards/card_edit.html", {
        "form": form, "card": card, "guide": guide, "photo_url": selectors.card_photo_url(card),
    }, status=status)
