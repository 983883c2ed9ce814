"""Every string of the promoter centre has an English translation, and the page speaks it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from linkmall import testing as t
from linkmall.web.i18n import parse_po

REFERRAL_DIR = Path(__file__).resolve().parent.parent
EN_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
SIMPLE = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(["']([^"']+)["']\)|gettext_lazy\(["']([^"']+)["']\)""")
BLOCK = re.compile(r"{% blocktrans(?: (count|with) [^%]*?)? %}(.*?)(?:{% plural %}(.*?))?{% endblocktrans %}", re.S)


def msgid_of_block(text: str) -> str:
    # what Django's makemessages writes for a blocktrans body
    return re.sub(r"{{ (\w+) }}", r"%(\1)s", text.replace("%", "%%"))


def promoter_sources() -> list[Path]:
    return [*REFERRAL_DIR.glob("templates/referral/promoter/*.html"), *REFERRAL_DIR.glob("pages/promoter*.py")]


def test_every_promoter_string_has_an_english_translation():
    translated = parse_po(EN_PO)
    wanted, plurals = set(), set()
    for path in promoter_sources():
        source = path.read_text()
        wanted |= {m for groups in SIMPLE.findall(source) for m in groups if m}
        for kind, single, plural in BLOCK.findall(source):
            if kind == "count":
                plurals.add(f"{msgid_of_block(single)}\x00{msgid_of_block(plural)}")
            else:
                wanted.add(msgid_of_block(single))

    assert len(wanted) > 40
    assert sorted(wanted - set(translated)) == []
    assert sorted(plurals - set(translated)) == []


@pytest.mark.django_db
def test_the_promoter_centre_speaks_english_when_asked(client):
    cache.clear()
    client.force_login(t.make_consumer())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/me/promoter/").content.decode()

    assert "Promoter centre" in html
    assert "My earnings" in html and "Request withdrawal" in html
    assert "推广中心" not in html
