"""The /api/v1 wiring: one router per app, mounted here. No business code."""

from linkmall.core.api import build_api

api = build_api()


@api.get("/health", tags=["ops"])
def health(request):
    return {"status": "ok"}
