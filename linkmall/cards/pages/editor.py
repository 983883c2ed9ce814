"""The guide's card editor `/guide/card/`: pitch, photo, featured products, publish toggle."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linkmall.cards import selectors, services
from linkmall.cards.pages.common import guide_page
from linkmall.cards.pages.forms import CardForm
from linkmall.core.error_codes import error_text
from linkmall.core.errors import DomainError


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
                form.add_error(field if field in form.fields else None, error_text(exc))
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
