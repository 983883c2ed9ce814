"""The card page a customer opens (AI智能名片), its vCard and its placeholder avatar."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from linkmall.accounts.models import Role
from linkmall.cards import selectors
from linkmall.cards.drawing import avatar_png
from linkmall.cards.pages.common import or_404
from linkmall.cards.sharing import card_share_path
from linkmall.cards.vcard import VCard
from linkmall.customers.attribution import guide_remember
from linkmall.customers.tracking import visitor_ensure, visitor_from_share_token, visitor_share_token

AVATAR_CACHE_SECONDS = 7 * 24 * 3600


def _map_url(store) -> str:
    # Amap's URI API takes GCJ-02 ("gaode") coordinates, which is how stores are kept
    return "https://uri.amap.com/marker?" + urlencode({
        "position": f"{store.longitude},{store.latitude}", "name": store.name, "coordinate": "gaode",
        "callnative": "1",
    })


@require_GET
def card_page(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)  # 404 before any cookie is set
    response = HttpResponse()
    visitor = visitor_ensure(request, response)
    user = request.user if request.user.is_authenticated else None
    view = selectors.card_view(guide_id=card.pk, user=user, visitor=visitor)
    shared_by = visitor_from_share_token(request.GET.get("s"))
    is_consumer = user is not None and user.role == Role.CONSUMER
    share_path = card_share_path(guide_id=guide_id, visitor=visitor, user=user)
    response.content = render_to_string("cards/card.html", {
        "view": view, "card": view.card, "guide": view.guide, "store": view.store,
        "photo_url": view.photo_url or reverse("cards:card_avatar", args=[guide_id]),
        "map_url": _map_url(view.store),
        "shared_by": request.GET.get("s", "") if shared_by is not None and shared_by.pk != visitor.pk else "",
        "share_url": request.build_absolute_uri(share_path),
        "my_token": visitor_share_token(visitor),
        "is_held": selectors.card_is_held(user=user, guide_id=guide_id),
        "is_consumer": is_consumer, "is_own_card": user is not None and view.guide.user_id == user.pk,
    }, request)
    response["Cache-Control"] = "private, no-cache"
    guide_remember(response, merchant_id=view.merchant.pk, guide_id=view.guide.pk)
    return response


@require_GET
def card_avatar(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)
    response = HttpResponse(avatar_png(selectors.guide_display_name(card.guide)), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={AVATAR_CACHE_SECONDS}"
    return response


@require_GET
def card_vcard(request, guide_id: int):
    card = or_404(selectors.card_get_published, guide_id=guide_id)
    guide, store = card.guide, card.guide.store
    photo = selectors.card_photo_url(card)
    vcard = VCard(
        name=selectors.guide_display_name(guide), org=store.merchant.name, unit=store.name,
        title=card.headline or guide.title, mobile=guide.phone, work_phone=store.phone,
        street=store.address, city=store.city, url=request.build_absolute_uri(reverse("cards:card", args=[guide.pk])),
        note=card.bio or card.headline, photo_url=request.build_absolute_uri(photo) if photo else "",
    )
    response = HttpResponse(vcard.serialize(), content_type="text/vcard; charset=utf-8")
    # ASCII fallback name plus the RFC 5987 UTF-8 one, so phones keep the guide's own name
    response["Content-Disposition"] = f"attachment; filename=\"card-{guide.pk}.vcf\"; filename*=UTF-8''card-{guide.pk}.vcf"
    response["Cache-Control"] = "private, max-age=300"
    return response
