"""Every string of the card pages has an English translation (the card app's own catalog, or the
site's), the committed .mo matches the .po, and the card reads in English after switching."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from linkmall.web.i18n import parse_po, write_mo
from linkmall.web.tests.html import texts_by_class

CARDS_DIR = Path(__file__).resolve().parent.parent
CARDS_PO = CARDS_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
SITE_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
#: the card, sharing, holder, booking, nearest-store, editor and promotion pages (engineer A's radar,
#: assistant and digest pages have their own check)
OWN = re.compile(r"^(?!.*(radar|assistant|digest)).*$")
STRINGS = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(["']([^"']+)["']\)|gettext_lazy\(["']([^"']+)["']\)""")
BLOCKS = re.compile(r"{% blocktrans(?: with [^%]*)? %}(.*?){% endblocktrans %}", re.S)


def _sources() -> list[Path]:
    files = [*CARDS_DIR.glob("templates/cards/*.html"), *CARDS_DIR.glob("pages/*.py"), CARDS_DIR / "pages" / "share.py"]
    return [f for f in files if OWN.match(f.name)]


def test_the_committed_card_catalog_is_compiled_from_its_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    write_mo(parse_po(CARDS_PO), fresh)

    assert fresh.read_bytes() == CARDS_PO.with_suffix(".mo").read_bytes(), "compile linkmall/cards/locale"


def test_every_string_of_the_card_pages_has_an_english_translation():
    translated = set(parse_po(CARDS_PO)) | set(parse_po(SITE_PO))
    wanted = set()
    for path in _sources():
        text = path.read_text()
        wanted |= {m for groups in STRINGS.findall(text) for m in groups if m}
        wanted |= {re.sub(r"{{ (\w+) }}", r"%(\1)s", block) for block in BLOCKS.findall(text)}

    assert len(wanted) > 80
    assert sorted(wanted - translated) == []


@pytest.mark.django_db
def test_the_card_reads_in_english_after_switching(client, shop):
    url = reverse("cards:card", args=[shop.guide.pk])
    client.post(reverse("set_language"), {"language": "en", "next": url})

    html = client.get(url).text

    assert texts_by_class(html, "bc-action") == ["☎ Call", "✉ WeChat", "⊕ Add contact", "☆ Save card"]
    assert "Book a visit" in html and "预约到店" not in html
