"""Every string of the campaign pages, forms, labels and field errors reads in English too."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from linkmall.campaigns.offers import template_label
from linkmall.campaigns.tests.factories import make_template
from linkmall.web.i18n import parse_po

APP = Path(__file__).resolve().parent.parent
EN_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
GETTEXT = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(\s*["']([^"']+)["']|gettext_lazy\(\s*["']([^"']+)["']\)""")
BLOCKTRANS = re.compile(r"{% blocktrans (?:count|with) [^%]*%}(.*?){% (?:plural|endblocktrans) %}")


def test_every_string_of_the_campaigns_app_has_an_english_translation():
    translated = {key.split("\x00")[0] for key in parse_po(EN_PO)}
    sources = [path for path in APP.rglob("*") if path.suffix in (".py", ".html") and "tests" not in path.parts
               and "migrations" not in path.parts]
    wanted = {m for path in sources for groups in GETTEXT.findall(path.read_text()) for m in groups if m}
    blocks = {re.sub(r"{{ (\w+) }}", r"%(\1)s", m) for path in APP.glob("templates/**/*.html")
              for m in BLOCKTRANS.findall(path.read_text())}

    assert len(wanted) > 100 and len(blocks) == 19
    assert sorted((wanted | blocks) - translated) == []


@pytest.mark.django_db
def test_a_coupon_label_and_the_claim_centre_read_in_english(client, shop):
    template = make_template(shop.merchant, kind="percent", value=15, threshold_fen=29900, max_discount_fen=5000)

    with translation.override("en"):
        assert template_label(template) == "Over ¥299, 15% off (up to ¥50 off)"
    assert template_label(template) == "满299元打8.5折（最多减50元）"
    with translation.override("zh-hans"):  # the pages switch this thread's language: put it back after
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        page = client.get(reverse("campaigns:claim_centre", args=[shop.merchant.pk]))
    assert "Coupon centre" in page.text and "Claim" in page.text and "Valid for 7 days after claiming" in page.text
