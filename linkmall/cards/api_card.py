"""/api/v1/cards/…: a guide's card, its share links, the card holder and the nearest store."""

from django.http import HttpResponse
from django.urls import reverse
from ninja import Router, Status

from linkmall.accounts.auth import api_auth
from linkmall.cards import selectors, services
from linkmall.cards.schemas import CardOut, HoldingOut, NearestOut
from linkmall.cards.sharing import card_share_path
from linkmall.core.errors import NotFound
from linkmall.customers.tracking import visitor_ensure

router = Router(tags=["cards"])


def store_brief(store) -> dict:
    return {"id": store.pk, "name": store.name, "city": store.city, "address": store.address,
            "latitude": float(store.latitude), "longitude": float(store.longitude), "phone": store.phone,
            "opening_hours": store.opening_hours}


def _optional_user(request):
    """The caller when they sent a valid token or session, else None: the card is public."""
    if request.headers.get("Authorization") or request.user.is_authenticated:
        return api_auth(request)
    return None


def _products(request, store, cards) -> list[dict]:
    return [{"id": c.product_id, "name": c.name, "price_fen": c.min_price_fen, "image_url": c.main_image_url,
             "url": request.build_absolute_uri(reverse("web:product", args=[store.pk, c.product_id]))}
            for c in cards]


@router.get("/nearest", response=NearestOut)
def nearest(request, lat: float, lng: float, coord: str = "wgs84", merchant: int | None = None):
    """The nearest open store (of `merchant`, when given) and a guide there. `coord` says which datum
    `lat`/`lng` are in: wgs84 (GPS, wx.getLocation type wgs84) or gcj02 (type gcj02, maps)."""
    found = selectors.nearest_card(latitude=lat, longitude=lng, coord=coord, merchant_id=merchant)
    if found is None:
        raise NotFound("No store is open.")
    absolute = request.build_absolute_uri
    return {
        "store": store_brief(found.store), "distance_m": found.distance_m, "guide_id": found.guide_id,
        "card_url": absolute(reverse("cards:card", args=[found.guide_id])) if found.guide_id else None,
        "store_url": absolute(reverse("web:store_home", args=[found.store.pk])),
    }


@router.get("/holder", response=list[HoldingOut], auth=api_auth)
def holder(request):
    rows = selectors.holdings_of(user=request.auth)
    return [{
        "guide_id": h.card.guide_id, "name": selectors.guide_display_name(h.card.guide), "title": h.card.guide.title,
        "store_name": h.card.guide.store.name, "photo_url": request.build_absolute_uri(
            selectors.card_photo_url(h.card) or reverse("cards:card_avatar", args=[h.card.guide_id])),
        "card_url": request.build_absolute_uri(reverse("cards:card", args=[h.card.guide_id])),
        "saved_at": h.saved_at,
    } for h in rows]


@router.put("/{int:guide_id}/hold", response={204: None}, auth=api_auth)
def hold(request, guide_id: int):
    services.card_hold(user=request.auth, guide_id=guide_id)
    return Status(204, None)


@router.delete("/{int:guide_id}/hold", response={204: None}, auth=api_auth)
def release(request, guide_id: int):
    services.card_release(user=request.auth, guide_id=guide_id)
    return Status(204, None)


@router.get("/{int:guide_id}", response=CardOut)
def card(request, guide_id: int, response: HttpResponse):
    """A guide's card for the mini-program. Share links are the caller's own (`?s=`, and `ref` for a
    logged-in customer); the visitor cookie is set like the page does."""
    user = _optional_user(request)
    visitor = visitor_ensure(request, response)
    view = selectors.card_view(guide_id=guide_id, user=user, visitor=visitor)
    absolute = request.build_absolute_uri

    def link(via: str) -> str:
        return absolute(card_share_path(guide_id=guide_id, visitor=visitor, user=user, via=via))

    guide, store = view.guide, view.store
    return {
        "guide_id": guide.pk, "name": view.name, "title": guide.title, "headline": view.card.headline,
        "bio": view.card.bio, "photo_url": absolute(view.photo_url or reverse("cards:card_avatar", args=[guide.pk])),
        "phone": guide.phone, "wechat": guide.wechat, "merchant_id": view.merchant.pk,
        "merchant_name": view.merchant.name, "store": store_brief(store),
        "featured": _products(request, store, view.featured), "recommended": _products(request, store, view.recommended),
        "promotions": view.promotions,
        "share": {"link": link("card"), "qr_link": link("qr"), "poster_link": link("poster"),
                  "qr_png_url": absolute(reverse("cards:card_qr", args=[guide.pk])),
                  "poster_png_url": absolute(reverse("cards:card_poster", args=[guide.pk]))},
        "vcard_url": absolute(reverse("cards:card_vcard", args=[guide.pk])),
        "is_held": selectors.card_is_held(user=user, guide_id=guide.pk),
    }
