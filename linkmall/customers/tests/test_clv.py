import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from linkmall import testing
from linkmall.core import clock
from linkmall.customers.clv import bgnbd, fit_summary, gammagamma, predict, summarise
from linkmall.customers.clv.service import clv_refresh
from linkmall.customers.models import Profile, Purchase
from linkmall.customers.synthetic import WorldSpec, generate, load_world


def cdnow_csv(tmp_path) -> Path:
    """The CDNOW sample shipped with lifetimes, as our customer_id,date,amount CSV (lifetimes is not imported)."""
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "lifetimes (a dev dependency) is not installed"
    package = Path(spec.submodule_search_locations[0])
    out = tmp_path / "cdnow.csv"
    lines = ["customer_id,date,amount"]
    for row in (package / "datasets" / "CDNOW_sample.txt").read_text().split("\n"):
        if row.strip():
            customer, _, day, _, amount = row.split()
            lines.append(f"{customer},{day[:4]}-{day[4:6]}-{day[6:]},{amount}")
    out.write_text("\n".join(lines) + "\n")
    return out


def test_cdnow_reproduces_the_published_bgnbd_and_gamma_gamma_parameters(tmp_path, capsys):
    call_command("clv", "fit", "--transactions", str(cdnow_csv(tmp_path)), "--until", "1997-09-30", "--unit", "week",
                 "--json")
    result = json.loads(capsys.readouterr().out)
    published = {"bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
                 "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44}}
    for model, params in published.items():
        for name, value in params.items():
            assert result[model][name] == pytest.approx(value, rel=0.01), (model, name)
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946


def test_purchases_of_one_day_count_once_and_the_first_is_no_repeat():
    day = dt.date(2026, 1, 1).toordinal()
    customers = np.array(["a", "a", "a", "a", "b", "c"])
    days = np.array([day, day, day + 7, day + 21, day + 14, day + 40])
    amounts = np.array([10.0, 5.0, 20.0, 40.0, 8.0, 9.0])
    s = summarise(customers, days, amounts, until=dt.date(2026, 1, 29), unit="week")
    assert s.customer_ids.tolist() == ["a", "b"]  # c bought after `until`
    assert s.x.tolist() == [2.0, 0.0]
    assert s.t_x.tolist() == [3.0, 0.0]
    assert s.T.tolist() == [4.0, 2.0]
    assert s.m.tolist() == [30.0, 0.0]  # (20 + 40) / 2: the first day's 15 is left out
    assert s.total.tolist() == [75.0, 8.0]
    days_unit = summarise(customers, days, amounts, until=dt.date(2026, 1, 29), unit="day")
    assert days_unit.T.tolist() == [28.0, 14.0]


def test_the_likelihoods_match_the_closed_forms_on_a_hand_case():
    # x=0: B(a,b)/B(a,b) · (α/(α+T))^r = (2/(2+4))^1 for r=1, α=2, a=1, b=1
    assert float(bgnbd.log_likelihood(np.array([1.0, 2.0, 1.0, 1.0]), np.array([0.0]), np.array([0.0]),
                                      np.array([4.0]))[0]) == pytest.approx(np.log(1 / 3))
    # x=1, t_x=1, T=4, r=1, α=2, a=1, b=1:
    # B(1,2)/B(1,1)·Γ(2)α/(Γ(1)(α+T)^2) + B(2,1)/B(1,1)·Γ(2)α/(α+t_x)^2 = ½·2/36 + ½·2/9
    expected = 0.5 * 2 / 36 + 0.5 * 2 / 9
    assert float(bgnbd.log_likelihood(np.array([1.0, 2.0, 1.0, 1.0]), np.array([1.0]), np.array([1.0]),
                                      np.array([4.0]))[0]) == pytest.approx(np.log(expected))
    # Gamma-Gamma with p=1, q=2, v=3, x=1, m=2: Γ(3)/(Γ(1)Γ(2)) · 3² · 2⁰ · 1 / (3 + 2)³ = 18/125
    assert float(gammagamma.log_likelihood(np.array([1.0, 2.0, 3.0]), np.array([1.0]), np.array([2.0]))[0]) == \
        pytest.approx(np.log(18 / 125))


def test_expected_value_is_purchases_times_spend_and_discounting_lowers_it(tmp_path):
    path = cdnow_csv(tmp_path)
    from linkmall.customers.clv import read_transactions

    s = summarise(*read_transactions(path), until=dt.date(1997, 9, 30), unit="week")
    fit = fit_summary(s)
    plain = predict(fit, s, horizon=39)
    assert np.allclose(plain.value, plain.expected_purchases * plain.expected_spend)
    # FHL 2005's worked example: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in the next 39 weeks
    assert float(fit.bgnbd.expected_purchases(39, np.array([2]), np.array([30.43]), np.array([38.86]))[0]) == \
        pytest.approx(1.226, abs=0.001)
    discounted = predict(fit, s, horizon=39, discount_per_unit=0.002)
    assert np.all(discounted.value < plain.value)
    assert np.all(plain.p_alive[s.x == 0] == 1.0)


def fit_error(*args) -> CommandError:
    with pytest.raises(CommandError) as error:
        call_command("clv", "fit", *args)
    assert error.value.returncode == 2
    return error.value


def test_bad_files_exit_2_with_a_message(tmp_path):
    missing = tmp_path / "missing.csv"
    assert str(fit_error("--transactions", str(missing))) == f"{missing}: no such file"
    columns = tmp_path / "columns.csv"
    columns.write_text("user,day,total\n1,2026-01-01,3\n")
    assert str(fit_error("--transactions", str(columns))) == (
        f"{columns}: missing column(s) customer_id, date, amount; expected a header with customer_id, date, amount")
    dates = tmp_path / "dates.csv"
    dates.write_text("customer_id,date,amount\n1,2026-01-01,3\n1,01/02/2026,4\n")
    assert str(fit_error("--transactions", str(dates))) == (
        f"{dates}, line 3: expected a date YYYY-MM-DD and a number amount, got ['1', '01/02/2026', '4']")
    once = tmp_path / "once.csv"
    once.write_text("customer_id,date,amount\n1,2026-01-01,3\n2,2026-01-02,4\n1,2026-01-01,5\n")
    assert str(fit_error("--transactions", str(once))) == "no customer bought twice: the models need repeat buyers"
    assert str(fit_error("--transactions", str(once), "--until", "2026-13-01")) == (
        "--until '2026-13-01' is not a date YYYY-MM-DD")
    assert str(fit_error("--transactions", str(once), "--until", "2025-01-01")) == (
        "no transactions on or before 2025-01-01")


def test_the_real_command_line_prints_no_traceback(tmp_path):
    missing = tmp_path / "missing.csv"
    done = subprocess.run([sys.executable, "-m", "django", "clv", "fit", "--transactions", str(missing)],
                          capture_output=True, text=True, env={"DJANGO_SETTINGS_MODULE": "config.settings",
                                                               "PATH": "/usr/bin:/bin"}, cwd=Path(__file__).parents[3])
    assert done.returncode == 2
    assert done.stderr.strip() == f"CommandError: {missing}: no such file"


@pytest.mark.django_db
def test_refresh_with_too_few_buyers_leaves_profiles_empty_and_says_why():
    merchant = testing.make_merchant()
    user = testing.make_consumer()
    profile = Profile.objects.create(merchant=merchant, user=user)
    Purchase.objects.create(merchant=merchant, user=user, source="mall", reference="o1", amount_fen=9900,
                            occurred_at=clock.now())
    outcome = clv_refresh(merchant_id=merchant.pk)
    assert outcome.fitted is False
    assert outcome.reason == "有购买记录的顾客只有 1 位，至少需要 50 位才能估算终身价值"
    profile.refresh_from_db()
    assert (profile.clv_fen, profile.expected_purchases) == (None, None)


def merchant_with_history():
    supplier, merchant = testing.make_supplier(), testing.make_merchant()
    testing.make_store(merchant)
    for _ in range(5):
        testing.make_listing(merchant, testing.make_product(supplier).skus.get())
    world = generate(WorldSpec(customers=400, events=12000, items=5, categories=2, stores=1, days=200,
                               start=dt.date(2026, 1, 1), seed=5))
    load_world(world, merchant_id=merchant.pk)
    return merchant, world


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_both_finish_with_the_same_values():
    merchant, world = merchant_with_history()
    clock.freeze(dt.datetime(2026, 7, 20, 12, tzinfo=dt.UTC))
    outcomes = testing.race(*testing.copies(lambda i: clv_refresh(merchant_id=merchant.pk), 2))
    assert [o.updated for o in outcomes] == [len(np.unique(world.pu_customer))] * 2
    assert outcomes[0].params == outcomes[1].params
    assert Profile.objects.filter(merchant=merchant, clv_fen__isnull=False).count() == outcomes[0].updated


@pytest.mark.django_db(transaction=True)
def test_refresh_writes_expected_purchases_and_value_on_buyers_profiles_only():
    merchant, world = merchant_with_history()
    clock.freeze(dt.datetime(2026, 7, 20, 12, tzinfo=dt.UTC))
    outcome = clv_refresh(merchant_id=merchant.pk)
    buyers = len(np.unique(world.pu_customer))
    assert outcome.fitted is True and outcome.reason == ""
    assert outcome.customers == buyers == outcome.updated
    assert set(outcome.params) == {"bgnbd", "gamma_gamma", "customers", "repeat_customers", "horizon_weeks", "until"}
    assert outcome.params["until"] == "2026-07-20"
    assert Profile.objects.filter(merchant=merchant, clv_fen__isnull=True).count() == 400 - buyers
    assert not Profile.objects.filter(merchant=merchant, clv_fen__lt=0).exists()
    # a frequent recent buyer is worth more than someone who bought once long ago
    counts = np.bincount(world.pu_customer, minlength=400)
    last = np.full(400, -1)
    np.maximum.at(last, world.pu_customer, world.pu_time)
    recent = last >= (200 - 14) * 86_400
    frequent = int(np.argmax(np.where(recent, counts, 0)))
    once = int(np.flatnonzero((counts == 1) & (last < 100 * 86_400))[0])
    values = dict(Profile.objects.filter(merchant=merchant, user__username__in=[
        f"syn{merchant.pk}-5-{frequent + 1}", f"syn{merchant.pk}-5-{once + 1}"]).values_list("user__username",
                                                                                           "expected_purchases"))
    assert values[f"syn{merchant.pk}-5-{frequent + 1}"] > values[f"syn{merchant.pk}-5-{once + 1}"]
