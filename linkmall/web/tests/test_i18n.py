"""Chinese by default, English on request, from .mo files compiled without GNU gettext."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from linkmall.web.i18n import compile_po, parse_po, write_mo
from linkmall.web.tests.html import texts_by_class

WEB_DIR = Path(__file__).resolve().parent.parent
EN_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"

SAMPLE_PO = r'''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "购物车"
msgstr "Cart"

msgctxt "button"
msgid "删除"
msgstr "Remove"

#, fuzzy
msgid "还没译好"
msgstr "Not yet"

msgid "没有翻译"
msgstr ""

msgid "带 \"引号\" 和"
"换行\n"
msgstr "With \"quotes\" and\n"

msgid "%(n)s 件"
msgid_plural "%(n)s 件"
msgstr[0] "%(n)s item"
msgstr[1] "%(n)s items"
'''


def test_the_pure_python_compiler_writes_a_catalog_gettext_reads(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")

    catalog = gettext.GNUTranslations(compile_po(po).open("rb"))

    assert catalog.gettext("购物车") == "Cart"
    assert catalog.pgettext("button", "删除") == "Remove"
    assert catalog.gettext("还没译好") == "还没译好"  # fuzzy entries are left out, like msgfmt does
    assert catalog.gettext("没有翻译") == "没有翻译"
    assert catalog.gettext('带 "引号" 和换行\n') == 'With "quotes" and\n'
    assert [catalog.ngettext("%(n)s 件", "%(n)s 件", n) for n in (1, 2)] == ["%(n)s item", "%(n)s items"]


def test_the_committed_english_catalog_is_compiled_from_the_current_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    write_mo(parse_po(EN_PO), fresh)

    assert fresh.read_bytes() == EN_PO.with_suffix(".mo").read_bytes(), "run `linkmall compile_translations`"


def test_every_string_of_the_shell_and_the_consumer_pages_has_an_english_translation():
    translated = parse_po(EN_PO)
    pattern = re.compile(r"""{% trans ["']([^"']+)["'] %}|\b_\(["']([^"']+)["']\)|gettext_lazy\(["']([^"']+)["']\)""")
    sources = [*WEB_DIR.glob("templates/**/*.html"), *WEB_DIR.glob("pages/*.py")]
    wanted = {m for path in sources for groups in pattern.findall(path.read_text()) for m in groups if m}

    assert len(wanted) > 100
    assert sorted(wanted - set(translated)) == []


@pytest.mark.django_db
def test_the_site_speaks_chinese_by_default_and_english_after_switching(client, mall):
    assert texts_by_class(client.get(reverse("web:home")).text, "section-title") == ["选择门店"]

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert texts_by_class(response.text, "section-title") == ["Choose a store"]
    assert texts_by_class(response.text, "tab") == ["Home", "Categories", "Cart", "My orders", "Promote"]
    assert 'lang="en"' in response.text
    switch_back = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)
    assert texts_by_class(switch_back.text, "tab") == ["首页", "分类", "购物车", "我的订单", "推广"]


@pytest.mark.django_db
def test_the_product_page_is_cached_per_language(client, mall):
    url = reverse("web:product", args=[mall.store.pk, mall.lipstick.pk])
    assert "商品详情" in client.get(url).text

    client.post(reverse("set_language"), {"language": "en", "next": url})

    text = client.get(url).text
    assert "Details" in text and "商品详情" not in text
