from datetime import UTC, datetime

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.core import clock
from linkmall.core.tasks import run_due
from linkmall.customers.models import CustomerSettings, LayerRun, ScoringModel
from linkmall.customers.scoring import layers_recompute
from linkmall.customers.scoring.testkit import add_events, add_purchase, make_visitor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop(client):
    clock.freeze(NOW)
    merchant = t.make_merchant()
    client.force_login(t.make_merchant_owner(merchant))
    people = {"buyer": t.make_user(display_name="李娜"), "looker": t.make_user(display_name="赵敏")}
    add_purchase(people["buyer"], merchant.pk, 10000, days_ago=3)
    add_events(make_visitor(people["looker"]), merchant.pk, "card_view")
    return merchant, people


def test_the_overview_shows_layer_counts_actions_and_the_intent_auc(client, shop):
    merchant, _ = shop
    layers_recompute(merchant_id=merchant.pk)
    ScoringModel.objects.filter(pk=merchant.pk).update(
        metrics={"model_auc": 0.8123, "rules_auc": 0.7011, "n_train": 700, "n_test": 300}, trained_at=NOW)

    html = client.get(reverse("layers:overview")).content.decode()

    assert '<b>2</b><small>活跃层 · 100%</small>' in html
    assert "<dt>导购跟进提醒（活跃层）</dt><dd>2</dd>" in html
    assert "<dt>模型 AUC</dt><dd>0.8123</dd>" in html and "<dt>规则 AUC</dt><dd>0.7011</dd>" in html


def test_recompute_from_the_page_runs_as_a_task(client, shop):
    merchant, _ = shop
    response = client.post(reverse("layers:recompute"))
    assert response.status_code == 302
    assert LayerRun.objects.count() == 0
    assert run_due() == 1
    assert LayerRun.objects.get(merchant=merchant).status == "done"


def test_saving_thresholds_and_weights(client, shop):
    merchant, _ = shop
    response = client.post(reverse("layers:settings"), {
        "core_min": "0.7", "active_min": "0.2", "weight_rfm": "2", "weight_engagement": "1", "weight_influence": "1"})
    assert response.status_code == 302
    settings = CustomerSettings.objects.get(pk=merchant.pk)
    assert (settings.core_min_score, settings.active_min_score, settings.weights) == (
        0.7, 0.2, {"rfm": 2.0, "engagement": 1.0, "influence": 1.0})


@pytest.mark.parametrize(("data", "message"), [
    ({"core_min": "0.3", "active_min": "0.3"}, "阈值需满足 0 ≤ 活跃层 &lt; 核心层 ≤ 1。"),
    ({"core_min": "1.5"}, "Ensure this value is less than or equal to 1"),
    ({"weight_rfm": "0", "weight_engagement": "0", "weight_influence": "0"}, "权重不能为负数，且不能全为 0。"),
    ({"active_min": "abc"}, "Enter a number."),
])
def test_bad_thresholds_are_refused_with_a_clear_message_and_nothing_saved(client, shop, data, message):
    merchant, _ = shop
    form = {"core_min": "0.6", "active_min": "0.3", "weight_rfm": "0.5", "weight_engagement": "0.3",
            "weight_influence": "0.2", **data}
    response = client.post(reverse("layers:settings"), form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()
    settings = CustomerSettings.objects.get(pk=merchant.pk)
    assert (settings.core_min_score, settings.active_min_score, settings.weights) == (0.6, 0.3, {})


def test_the_migration_report_lists_exactly_the_movers_and_exports_them(client, shop, django_assert_num_queries):
    merchant, people = shop
    layers_recompute(merchant_id=merchant.pk)
    CustomerSettings.objects.filter(pk=merchant.pk).update(core_min_score=0.45)
    run = layers_recompute(merchant_id=merchant.pk)  # the buyer (total 0.5) moves up to core

    with django_assert_num_queries(5):  # session, user, run, count, page of changes
        html = client.get(reverse("layers:changes", args=[run.pk])).content.decode()
    assert '<span>李娜</span>\n    <span class="ly-up">活跃层 → 核心层</span>' in html
    assert "赵敏" not in html
    assert "这次计算没有客户变化层级" in client.get(
        reverse("layers:changes", args=[run.pk]) + "?direction=down").content.decode()

    csv_text = b"".join(client.get(reverse("layers:changes_csv", args=[run.pk])).streaming_content).decode()
    assert csv_text == ("\ufeffcustomer_id,name,from_layer,to_layer,direction\r\n"
                        f"{people['buyer'].pk},李娜,active,core,up\r\n")


def test_another_merchants_report_is_not_found_and_guides_are_kept_out(client, shop):
    other = t.make_merchant()
    run = layers_recompute(merchant_id=other.pk)
    assert client.get(reverse("layers:changes", args=[run.pk])).status_code == 404
    assert client.get(reverse("layers:changes_csv", args=[run.pk])).status_code == 404
    merchant, _ = shop
    client.force_login(t.make_guide(t.make_store(merchant)).user)
    assert client.get(reverse("layers:overview")).status_code == 403


def test_training_from_the_page_runs_as_a_task_and_stores_the_metrics(client, shop):
    merchant, _ = shop
    assert client.post(reverse("layers:intent_train")).status_code == 302
    assert run_due() == 1
    assert ScoringModel.objects.get(pk=merchant.pk).metrics == {
        "n_train": 0, "n_test": 0, "positives_train": 0, "positives_test": 0, "model_auc": None, "rules_auc": None}
    assert "<dt>训练 / 测试样本</dt>" not in client.get(reverse("layers:overview")).content.decode()
