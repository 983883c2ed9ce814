"""Every role reaches each of its pages from its home page, as docs/pages.md lists them.

The test reads the table of docs/pages.md, logs in as each role, checks where the login sends it,
walks the links from the home page two clicks deep, and then opens each listed page: a page that
loses its last link, or a link that leads a role to a page it may not open, fails here.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from linkmall.accounts.selectors import user_home_url
from linkmall.core import clock
from linkmall.customers.models import Profile, Reminder
from linkmall.testing import (
    make_consumer,
    make_guide,
    make_merchant_owner,
    make_platform_user,
    make_supplier_staff,
)
from linkmall.web.tests.html import parse

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "pages.md"
ROW = re.compile(r"^\| `(?P<role>\w+)` \| `(?P<lands>[^`]+)` \| (?P<home>[^|]+) \| (?P<pages>[^|]+) \|$")
NAME = re.compile(r"`([a-z_]+:[a-z_]+)`")
#: links the walk records but never opens: leaving, switching the language, files, the admin
NOT_FOLLOWED = ("/logout/", "/i18n/", "/admin/", "/api/", "/media/", "/static/")
FILES = (".csv", ".png", ".xlsx", ".vcf", ".json")


def table() -> dict[str, dict]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            [home] = NAME.findall(match["home"])
            rows[match["role"]] = {"lands": match["lands"], "home": home, "pages": NAME.findall(match["pages"])}
    return rows


def links_of(html: str) -> set[str]:
    paths = set()
    for tag, attributes in parse(html).elements:
        href = attributes.get("href") if tag == "a" else None
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != "testserver":
            continue
        if parts.path.startswith("/"):
            paths.add(parts.path)
    return paths


def walk(client, home: str, depth: int = 2) -> set[str]:
    """The paths linked from `home` and from the pages it links to (`depth` clicks)."""
    found: set[str] = set()
    opened: set[str] = set()
    frontier = [home]
    for _click in range(depth):
        following = []
        for path in frontier:
            if path in opened:
                continue
            opened.add(path)
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for link in links_of(response.content.decode()) - found:
                found.add(link)
                if not link.startswith(NOT_FOLLOWED) and not link.endswith(FILES):
                    following.append(link)
        frontier = following
    return found


@pytest.fixture
def people(mall):
    guide = make_guide(mall.store)
    consumer_profile = Profile.objects.create(merchant=mall.merchant, user=make_consumer(), guide=guide, name="王女士")
    Reminder.objects.create(profile=consumer_profile, guide=guide, body="回访口红试色",
                            due_at=clock.now() - timedelta(hours=1))
    return {
        "consumer": make_consumer(), "promoter": make_consumer(), "guide": guide.user,
        "merchant_owner": make_merchant_owner(mall.merchant), "supplier_staff": make_supplier_staff(mall.supplier_a),
        "platform": make_platform_user(),
        "args": {
            "web:store_home": [mall.store.pk], "web:store_categories": [mall.store.pk],
            "customers:detail": [consumer_profile.pk], "campaigns:guide_issue": [consumer_profile.pk],
            "cards:card": [guide.pk], "cards:card_poster": [guide.pk],
        },
    }


def test_the_table_names_every_role_once():
    assert sorted(table()) == ["consumer", "guide", "merchant_owner", "platform", "promoter", "supplier_staff"]


@pytest.mark.parametrize("role", ["consumer", "promoter", "guide", "merchant_owner", "supplier_staff", "platform"])
def test_each_page_of_a_role_is_linked_within_two_clicks_of_its_home_and_opens(client, people, role):
    row = table()[role]
    user = people[role]
    assert user_home_url(user=user) == row["lands"]
    client.force_login(user)
    home = reverse(row["home"])
    found = walk(client, home)
    targets = {name: reverse(name, args=people["args"].get(name, [])) for name in row["pages"]}
    assert sorted(name for name, path in targets.items() if path not in found) == []
    assert {name: client.get(path).status_code for name, path in targets.items()} == {name: 200 for name in targets}
