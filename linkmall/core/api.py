"""JSON API wiring: one NinjaAPI, with every error answered as {"code", "message", "detail"}."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from linkmall.core.errors import DomainError

logger = logging.getLogger("linkmall.api")

#: the code of an HttpError's answer, by its status (core.error_codes registers each)
HTTP_ERROR_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
                    429: "rate_limited"}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail if detail is not None else {}}


def build_api(**kwargs: Any) -> NinjaAPI:
    api = NinjaAPI(title="LinkMall API", version="1", urls_namespace="api", **kwargs)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"loc": [str(p) for p in err.get("loc", [])], "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors
        ]
        return api.create_response(
            request, error_body("invalid_input", "The request is not valid.", {"errors": fields}), status=422
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, error_body("not_authenticated", "Log in first."), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    @api.exception_handler(OverflowError)
    def number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # an id beyond 64 bits reached SQLite; it names nothing, as on PostgreSQL, where the same
        # lookup simply finds no row
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    @api.exception_handler(DataError)
    def data_out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
        # PostgreSQL's "value out of range" and similar refusals of a value the schema let through
        return api.create_response(
            request, error_body("invalid_input", "A value in the request is out of range."), status=400
        )

    @api.exception_handler(SuspiciousOperation)
    def request_refused(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # raised while the body is read (DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files);
        # without this Django answers its HTML 400 page
        if isinstance(exc, RequestDataTooBig):
            return api.create_response(
                request, error_body("request_too_large", "The request body is too large."), status=413
            )
        return api.create_response(request, error_body("bad_request", "The request is not valid."), status=400)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return api.create_response(request, error_body("permission_denied", "Not allowed."), status=403)

    return api
