"""The project's URLs plus a bare page carrying the beacon, as a card page will (browser test only)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as project_urls
from linkmall.customers import tracking

PAGE = """{% load static %}<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>名片</title></head>
<body style="margin:0;font-family:sans-serif"><h1 style="padding:16px">导购名片</h1>
<div style="height:1400px;padding:16px">介绍</div>
<section id="products" data-track-section="products" style="height:500px;background:#fafafa">商品</section>
<button id="share" data-track-share="wechat">分享</button>
<script src="{% static 'customers/track.js' %}" data-merchant="{{ merchant }}" data-store="" data-guide="{{ guide }}"
  data-product="" data-shared-by="{{ shared_by }}" data-page="card" defer></script>
{% include "customers/_consent.html" %}</body></html>"""


def beacon_page(request, merchant: int, guide: int):
    response = HttpResponse()
    tracking.visitor_ensure(request, response)
    sharer = tracking.visitor_from_share_token(request.GET.get("s"))
    html = engines["django"].from_string(PAGE).render(
        {"merchant": merchant, "guide": guide, "shared_by": request.GET.get("s", "") if sharer else ""}, request)
    response.content = html.encode()
    return response


urlpatterns = [path("beacon-test/<int:merchant>/<int:guide>/", beacon_page), *project_urls]
