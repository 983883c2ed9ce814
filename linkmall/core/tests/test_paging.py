import pytest
from django.contrib.auth.models import Group
from ninja import Schema

from linkmall.core.errors import InvalidInput
from linkmall.core.paging import Page, PageOut, paginate, paginate_clamped, window

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    Group.objects.bulk_create([Group(name=f"g{i:02d}") for i in range(1, 8)])
    return Group.objects.order_by("name")


def names(page: Page) -> list[str]:
    return [group.name for group in page.items]


def test_a_numbered_page_knows_its_place_in_the_list(groups, django_assert_num_queries):
    with django_assert_num_queries(2):
        page = paginate(groups, page=2, page_size=3)

    assert names(page) == ["g04", "g05", "g06"]
    assert (page.page, page.page_size, page.offset, page.total, page.pages) == (2, 3, 3, 7, 3)
    assert (page.has_previous, page.has_next) == (True, True)


def test_the_last_page_has_no_next_and_a_page_past_the_end_is_empty_without_reading_rows(
        groups, django_assert_num_queries):
    last = paginate(groups, page=3, page_size=3)
    with django_assert_num_queries(1):
        past = paginate(groups, page=4, page_size=3)

    assert (names(last), last.has_next) == (["g07"], False)
    assert (past.items, past.total, past.has_next) == ([], 7, False)


@pytest.mark.parametrize(("page", "page_size"), [(0, 10), (1, 0), (1, 51)])
def test_a_page_below_one_or_a_size_outside_one_to_fifty_is_refused(groups, page, page_size):
    with pytest.raises(InvalidInput) as refused:
        paginate(groups, page=page, page_size=page_size)

    assert (refused.value.message, refused.value.detail) == ("page starts at 1; page_size is 1 to 50.",
                                                             {"field": "page"})


def test_a_clamped_page_past_the_end_is_the_last_and_one_that_is_no_number_the_first(groups):
    assert names(paginate_clamped(groups, page=9, page_size=3)) == ["g07"]
    assert names(paginate_clamped(groups, page="x", page_size=3)) == ["g01", "g02", "g03"]
    assert paginate_clamped(groups, page=9, page_size=3).page == 3


def test_an_empty_list_is_one_empty_page():
    page = paginate_clamped(Group.objects.order_by("name"), page=1, page_size=3)

    assert (page.items, page.page, page.pages, page.total, page.has_next) == ([], 1, 1, 0, False)


def test_a_window_reads_one_query_and_one_row_more_to_know_whether_more_follow(groups, django_assert_num_queries):
    with django_assert_num_queries(1):
        middle = window(groups, offset=2, limit=4)
    end = window(groups, offset=3, limit=4)

    assert (names(middle), middle.offset, middle.limit, middle.has_next, middle.total) == (
        ["g03", "g04", "g05", "g06"], 2, 4, True, None)
    assert (names(end), end.has_next) == (["g04", "g05", "g06", "g07"], False)
    with pytest.raises(ValueError, match="without counting"):
        end.pages  # noqa: B018


class GroupOut(Schema):
    name: str


class GroupPage(PageOut[GroupOut]):
    pass


def test_a_page_in_json_is_items_page_page_size_total_and_has_next(groups):
    body = GroupPage.model_validate(paginate(groups, page=3, page_size=3)).model_dump()

    assert body == {"items": [{"name": "g07"}], "page": 3, "page_size": 3, "total": 7, "has_next": False}
    assert list(GroupPage.model_json_schema()["properties"]) == ["items", "page", "page_size", "total", "has_next"]
