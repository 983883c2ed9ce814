"""A merchant's promotions shown on its guides' cards."""

from datetime import datetime

from linkmall.accounts.models import User
from linkmall.cards.models import Promotion
from linkmall.core.errors import InvalidInput, NotFound
from linkmall.stores.selectors import merchant_id_of


def _own(actor: User, promotion_id: int) -> Promotion:
    promotion = Promotion.objects.filter(pk=promotion_id, merchant_id=merchant_id_of(actor=actor)).first()
    if promotion is None:
        raise NotFound("No such promotion.")
    return promotion


def promotion_save(*, actor: User, title: str, detail: str, starts_at: datetime, ends_at: datetime,
                   is_active: bool = True, promotion_id: int | None = None) -> Promotion:
    """Create (no id) or update the merchant owner's promotion. Another merchant's is "not found"."""
    merchant_id = merchant_id_of(actor=actor)
    title, detail = title.strip(), detail.strip()
    if not title or len(title) > 60 or len(detail) > 200:
        raise InvalidInput("A title of 1 to 60 characters and a detail of at most 200.", detail={"field": "title"})
    if ends_at <= starts_at:
        raise InvalidInput("A promotion ends after it starts.", code="ends_before_start",
                           detail={"field": "ends_at"})
    promotion = _own(actor, promotion_id) if promotion_id else Promotion(merchant_id=merchant_id)
    promotion.title, promotion.detail = title, detail
    promotion.starts_at, promotion.ends_at, promotion.is_active = starts_at, ends_at, is_active
    promotion.save()
    return promotion


def promotion_delete(*, actor: User, promotion_id: int) -> None:
    _own(actor, promotion_id).delete()
