"""One page of a longer list: what every paged read returns and every paged API answer is built from.

Three ways to cut a page, one `Page`:

- `paginate`: page `page` (from 1) of `page_size` rows, counted; a page number below 1 or a size
  outside 1..max is refused (the JSON API's lists and the promoter centre).
- `paginate_clamped`: like Django's `Paginator.get_page`, a page number past the end gives the last
  page and one that is not a number the first (the console lists, whose links people edit).
- `window`: `limit` rows from `offset`, not counted; one more row is read to learn whether more follow.

`PageOut` is the JSON of a page: {"items", "page", "page_size", "total", "has_next"}. Older endpoints
answer in other shapes (`count` for `total`, `results` for `items`, `limit`/`offset`/`has_more`); their
schemas read the same `Page` through field aliases, so their JSON stays as published.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from ninja import Schema

from linkmall.core.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=Model)

MAX_PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """`items` of a list, the first of them `offset` items in, at most `limit` of them."""

    items: list[T]
    offset: int
    limit: int
    has_next: bool
    #: how many the whole list holds; None when the page was cut without counting (`window`)
    total: int | None = None

    @property
    def page(self) -> int:
        """The page number, from 1."""
        return self.offset // self.limit + 1

    @property
    def page_size(self) -> int:
        return self.limit

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def pages(self) -> int:
        """How many pages the list fills; an empty list is one empty page."""
        if self.total is None:
            raise ValueError("this page was cut without counting the list")
        return max(1, -(-self.total // self.limit))


def paginate(rows: QuerySet[M], *, page: int, page_size: int, max_page_size: int = MAX_PAGE_SIZE) -> Page[M]:
    """Page `page` (from 1) of `rows`, with the total: two queries, one past the last page."""
    if page < 1 or not 1 <= page_size <= max_page_size:
        raise InvalidInput(f"page starts at 1; page_size is 1 to {max_page_size}.", detail={"field": "page"})
    total = rows.count()
    offset = (page - 1) * page_size
    items = list(rows[offset : offset + page_size]) if offset < total else []
    return Page(items=items, offset=offset, limit=page_size, has_next=offset + page_size < total, total=total)


def paginate_clamped(rows: QuerySet[M], *, page: int | str | None, page_size: int) -> Page[M]:
    """Page `page` of `rows`, with the total; a number past the end is the last page, anything else the first."""
    current = Paginator(rows, page_size).get_page(page)
    return Page(items=list(current.object_list), offset=(current.number - 1) * page_size, limit=page_size,
                has_next=current.has_next(), total=current.paginator.count)


def window(rows: QuerySet[M], *, offset: int, limit: int) -> Page[M]:
    """`limit` rows of `rows` from `offset`, in one query and without a total."""
    items = list(rows[offset : offset + limit + 1])
    return Page(items=items[:limit], offset=offset, limit=limit, has_next=len(items) > limit)


class PageOut(Schema, Generic[T]):
    """A page in JSON. Subclass it per item schema (`class OrderPage(PageOut[OrderOut]): ...`), so the
    API description names each page schema once."""

    items: list[T]
    page: int
    page_size: int
    total: int
    has_next: bool
