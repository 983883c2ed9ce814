"""Template helpers of the page shell: money display, the consumer and guide tab bars, the language switch."""

from django import template
from django.urls import reverse

from linkmall.core.money import fen_to_yuan

register = template.Library()

#: the cookie naming the store the consumer last visited; the tab bar's 首页/分类 lead back to it.
#: A cookie, not the session: browsing must not write a session row per anonymous visitor.
CURRENT_STORE_COOKIE = "lm_store"


def current_store_id(request) -> int | None:
    raw = request.COOKIES.get(CURRENT_STORE_COOKIE, "") if request is not None else ""
    return int(raw) if raw.isdigit() and 0 < len(raw) < 10 else None


@register.filter
def yuan(fen) -> str:
    """12345 → "123.45". Money stays integer fen everywhere; only the page turns it into yuan."""
    if fen is None or fen == "":
        return ""
    return fen_to_yuan(int(fen))


@register.inclusion_tag("web/_tabbar.html", takes_context=True)
def tabbar(context, active: str = "") -> dict:
    # a store page names its store; other pages lead back to the store last visited
    store_id = context.get("tab_store_id") or current_store_id(context.get("request"))
    if store_id:
        home_url = reverse("web:store_home", args=[store_id])
        categories_url = reverse("web:store_categories", args=[store_id])
    else:
        home_url = categories_url = reverse("web:home")
    return {
        "active": active or context.get("active_tab", ""),
        "home_url": home_url,
        "categories_url": categories_url,
    }


@register.inclusion_tag("web/_guide_tabbar.html")
def guide_tabbar(active: str = "") -> dict:
    """The guide's bottom tab bar: the workbench, radar, customers, bookings and card."""
    return {"active": active}


@register.inclusion_tag("web/_lang_switch.html", takes_context=True)
def lang_switch(context) -> dict:
    request = context.get("request")
    return {
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "/",
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE", "zh-hans"),
    }


@register.simple_tag
def aftersales_for(detail, line) -> list:
    """The after-sales requests of one order line, from an OrderDetail (no extra query)."""
    return detail.aftersales_by_line.get(line.pk, [])


@register.filter
def carrier_name(code: str) -> str:
    """"SF" → "顺丰速运": the name of a carrier code the supplier chose when shipping."""
    from linkmall.orders.services import CARRIERS

    return CARRIERS.get(code, code)
