import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from linkmall import testing as t
from linkmall.core import clock
from linkmall.customers.models import Profile
from linkmall.customers.scoring.testkit import add_events, add_purchase, make_visitor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("customers", "layers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def shop():
    clock.freeze(NOW)
    merchant = t.make_merchant()
    buyer = t.make_user(display_name="王芳")
    looker = t.make_consumer()
    add_purchase(buyer, merchant.pk, 10000, days_ago=3)
    add_events(make_visitor(looker), merchant.pk, "card_view")
    other = t.make_merchant()
    add_events(make_visitor(t.make_consumer()), other.pk, "card_view")
    return merchant, buyer, looker


def test_layers_json_recompute_prints_exactly_every_customer_of_the_merchant(shop):
    merchant, buyer, looker = shop

    out, err = _run("--json", "--merchant", str(merchant.pk), "--recompute")

    assert json.loads(out) == [
        {"customer_id": buyer.pk, "merchant_id": merchant.pk, "name": "王芳", "layer": "active",
         "scores": {"recency": 1.0, "frequency": 1.0, "monetary": 1.0, "engagement": 0.0, "influence": 0.0,
                    "total": 0.5}, "intent_grade": "A"},
        {"customer_id": looker.pk, "merchant_id": merchant.pk, "name": "", "layer": "active",
         "scores": {"recency": 0.0, "frequency": 0.0, "monetary": 0.0, "engagement": 1.0, "influence": 0.0,
                    "total": 0.3}, "intent_grade": "C"},
    ]
    assert out.startswith("[\n{") and out.endswith("}\n]\n")
    assert err.splitlines()[-1] == (
        f'merchant {merchant.pk}: {{"actions": {{"birthday_offer": 0, "early_access": 0, "exclusive_offer": 0, '
        f'"first_purchase": 0, "follow_up": 2}}, "active": 2, "core": 0, "moved": 2, "potential": 0}}')


def test_layers_json_of_a_merchant_without_customers_is_an_empty_list():
    merchant = t.make_merchant()
    assert _run("--json", "--merchant", str(merchant.pk)) == ("[]\n", "")


def test_layers_without_json_counts_customers_per_layer(shop):
    merchant, _, _ = shop
    Profile.objects.create(merchant=merchant, user=t.make_consumer(), layer="active")
    out, _ = _run("--merchant", str(merchant.pk))
    assert out == f"merchant {merchant.pk}: core 0, active 1, potential 0, not scored 0\n"


def test_an_unknown_merchant_and_a_report_without_merchant_are_clear_errors():
    with pytest.raises(CommandError, match="merchant 999999 does not exist"):
        _run("--json", "--merchant", "999999")
    with pytest.raises(CommandError, match="--intent-report needs --merchant ID"):
        _run("--intent-report")


def test_intent_report_prints_the_four_numbers_as_json_even_without_history(shop):
    merchant, _, _ = shop
    out, _ = _run("--intent-report", "--json", "--merchant", str(merchant.pk))
    # everything happened after the last cutoff with a full 14-day label window: nothing to learn from
    assert out == '{"model_auc": null, "rules_auc": null, "n_train": 0, "n_test": 0}\n'

