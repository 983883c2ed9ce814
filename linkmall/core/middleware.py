"""A number in a URL too large for the database names nothing: answer 404, not 500.

URL converters accept any digits, but ids are 64-bit: SQLite raises OverflowError and PostgreSQL a
DataError ("out of range") when such a number reaches a query.
"""

from collections.abc import Callable

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse


class OutOfRangeIdsAsNotFound:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OverflowError | DataError):
            raise Http404("No such page.") from exception
        return None
