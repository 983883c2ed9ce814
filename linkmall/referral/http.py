"""The request of the share link, typed by what the referral views put on it. The requests of pages
and API operations behind the accounts guards are `linkmall.accounts.http.UserRequest`/`ApiRequest`.

This class is an annotation only: Django passes its own HttpRequest; nothing creates it.
"""

from django.http import HttpRequest


class ShareVisitRequest(HttpRequest):
    """The request of /r/<code>/, which tells ShareVisitMiddleware it has remembered the visit already."""

    share_visit_handled: bool
