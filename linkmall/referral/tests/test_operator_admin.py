"""The admin of the 2+1 engine is a read-only window; only qualifying products are named there."""

import pytest
from django.urls import reverse

from linkmall import testing as t
from linkmall.accounts.models import Role, User
from linkmall.referral.graph import referral_bind
from linkmall.referral.models import Promoter, QualifyingProduct, ReferralPlan, Reward, TeamEvent
from linkmall.referral.services import promoter_seed
from linkmall.referral.tests.operator_fixtures import buy, go_live, make_mall

pytestmark = pytest.mark.django_db

MODELS = ("referralplan", "engineswitch", "promoter", "teamevent", "reward", "ordersettlement", "qualifyingproduct")


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(username="ops", password="correct horse battery",
                                                     role=Role.PLATFORM))
    return client


@pytest.fixture
def story():
    mall = make_mall()
    plan = go_live(mall["operator"], {"profile": "classic"})
    boss, buyer = t.make_consumer(), t.make_consumer()
    promoter_seed(user=boss, level="boss")
    referral_bind(user=buyer, referrer=boss, via="link")
    buy(mall, buyer)
    return {"plan": plan, "boss": boss, "buyer": buyer, "mall": mall}


def test_every_referral_model_has_a_list_page(admin_client, story):
    for name in MODELS:
        assert admin_client.get(reverse(f"admin:referral_{name}_changelist")).status_code == 200
    assert "200.00" in admin_client.get(reverse("admin:referral_reward_changelist")).content.decode()


@pytest.mark.parametrize("name", ["referralplan", "engineswitch", "promoter", "teamevent", "reward",
                                  "ordersettlement"])
def test_nothing_of_the_engine_can_be_added_through_the_admin(admin_client, name):
    assert admin_client.get(reverse(f"admin:referral_{name}_add")).status_code == 403


def test_graph_fields_rewards_and_plans_cannot_be_changed_or_deleted(admin_client, story):
    promoter = Promoter.objects.get(user=story["buyer"])
    response = admin_client.post(reverse("admin:referral_promoter_change", args=[promoter.pk]),
                                 {"level": "boss", "team_owner": "", "slots": 9})
    assert response.status_code == 403
    promoter.refresh_from_db()
    assert (promoter.level, promoter.team_owner_id, promoter.slots) == ("agent", story["boss"].pk, 0)

    reward = Reward.objects.order_by("pk").first()
    assert admin_client.post(reverse("admin:referral_reward_change", args=[reward.pk]),
                             {"amount_fen": 1}).status_code == 403
    assert admin_client.post(reverse("admin:referral_reward_delete", args=[reward.pk]),
                             {"post": "yes"}).status_code == 403
    event = TeamEvent.objects.first()
    assert admin_client.post(reverse("admin:referral_teamevent_delete", args=[event.pk]),
                             {"post": "yes"}).status_code == 403
    plan = story["plan"]
    assert admin_client.post(reverse("admin:referral_referralplan_change", args=[plan.pk]),
                             {"status": "retired"}).status_code == 403
    assert Reward.objects.get(pk=reward.pk).amount_fen == reward.amount_fen
    assert ReferralPlan.objects.get(pk=plan.pk).status == "live"
    assert TeamEvent.objects.filter(pk=event.pk).exists()
    # the detail pages still open read-only
    assert admin_client.get(reverse("admin:referral_promoter_change", args=[promoter.pk])).status_code == 200


def test_an_operator_names_a_qualifying_product_in_the_admin(admin_client):
    product = t.make_product(t.make_supplier())

    response = admin_client.post(reverse("admin:referral_qualifyingproduct_add"), {"product": product.pk})

    assert response.status_code == 302
    row = QualifyingProduct.objects.get()
    assert (row.product_id, row.added_by.username) == (product.pk, "ops")
