"""The radar, digest and assistant pages (and the radar's lines) speak English after switching."""

import re
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

from linkmall.cards.tests.test_radar import SHANGHAI, World, event, named
from linkmall.core import clock
from linkmall.customers.models import Event
from linkmall.web.i18n import parse_po

CARDS_DIR = Path(__file__).resolve().parent.parent
CARDS_PO = CARDS_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
SITE_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
STRINGS = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(["']([^"']+)["']\)|gettext_lazy\(["']([^"']+)["']\)""")
BLOCKS = re.compile(r"{% blocktrans(?: with [^%]*)? %}(.*?){% endblocktrans %}", re.S)


def _sources() -> list[Path]:
    templates = CARDS_DIR / "templates" / "cards"
    return [*templates.glob("radar*.html"), *templates.glob("digest*.html"), *templates.glob("*assistant*.html"),
            CARDS_DIR / "radar.py", CARDS_DIR / "radar_views.py", CARDS_DIR / "digest_views.py",
            CARDS_DIR / "assistant" / "views.py"]


def test_every_string_of_the_radar_digest_and_assistant_has_an_english_translation():
    translated = set(parse_po(CARDS_PO)) | set(parse_po(SITE_PO))
    wanted = set()
    for path in _sources():
        text = path.read_text()
        wanted |= {m for groups in STRINGS.findall(text) for m in groups if m}
        wanted |= {re.sub(r"{{ (\w+) }}", r"%(\1)s", block) for block in BLOCKS.findall(text)}

    assert len(wanted) > 70
    assert sorted(wanted - translated) == []


@pytest.mark.django_db
def test_the_radar_reads_in_english_after_switching(client):
    clock.freeze(datetime(2026, 11, 25, 14, 3, tzinfo=SHANGHAI))
    world = World()
    zhang = named(world, "Ms Zhang")
    event(world, zhang, Event.Kind.PRODUCT_VIEW, product=world.serum, visit=3)
    event(world, zhang, Event.Kind.DWELL, product=world.serum, visit=3, dwell_ms=118_000)
    client.force_login(world.guide.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/guide/radar/"})

    html = client.get("/guide/radar/").content.decode()

    assert "Ms Zhang viewed 玻尿酸精华 2 min · visit 3" in html
    assert "Customer radar" in html and "客户雷达" not in html
