"""Platform staff's admin: every request with its timeline; decisions go through the services."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse

from linkmall import testing
from linkmall.accounts.models import Role
from linkmall.aftersales.models import AfterSaleRequest
from linkmall.aftersales.services import aftersale_request
from linkmall.aftersales.tests.builders import events_of
from linkmall.core import clock
from linkmall.payments.models import Refund

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
Status = AfterSaleRequest.Status
CHANGELIST = reverse("admin:aftersales_aftersalerequest_changelist")


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(T0)


@pytest.fixture
def admin_client():
    user = testing.make_user(role=Role.PLATFORM, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def ask(mall, *, quantity=1):
    return aftersale_request(actor=mall.buyer, line=mall.line, kind="refund_only", quantity=quantity, reason="坏了")


def test_the_change_page_shows_the_timeline(mall, admin_client):
    request = ask(mall)

    response = admin_client.get(reverse("admin:aftersales_aftersalerequest_change", args=[request.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "申请售后" in page
    assert "消费者" in page


def test_the_list_filters_overdue_requests(mall, admin_client):
    overdue = ask(mall)
    clock.advance(timedelta(hours=49))
    fresh = ask(mall)

    response = admin_client.get(CHANGELIST, {"overdue": "yes"})

    assert [r.pk for r in response.context["cl"].result_list] == [overdue.pk]
    assert AfterSaleRequest.objects.filter(pk=fresh.pk, status=Status.REQUESTED).exists()


def test_approving_as_the_platform_refunds_and_is_audited(mall, admin_client):
    request = ask(mall)

    admin_client.post(CHANGELIST, {"action": "approve_as_platform", helpers.ACTION_CHECKBOX_NAME: [request.pk]})

    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    assert events_of(request)[-2:] == [("platform", "approved"), ("platform", "refunded")]
    assert request.events.get(action="approved").actor_id == admin_client.user.pk


def test_rejecting_as_the_platform_asks_for_the_reason_first(mall, admin_client):
    request = ask(mall)
    data = {"action": "reject_as_platform", helpers.ACTION_CHECKBOX_NAME: [request.pk]}

    asking = admin_client.post(CHANGELIST, data)
    assert asking.status_code == 200
    assert 'name="note"' in asking.content.decode()
    request.refresh_from_db()
    assert request.status == Status.REQUESTED

    admin_client.post(CHANGELIST, {**data, "apply": "1", "note": "凭证不足"})
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.events.get(action="rejected").note == "凭证不足"


def test_the_guarantee_can_be_run_by_hand_and_acts_only_on_overdue_requests(mall, admin_client):
    overdue = ask(mall)
    clock.advance(timedelta(hours=49))
    fresh = ask(mall)

    admin_client.post(
        CHANGELIST, {"action": "guarantee_now", helpers.ACTION_CHECKBOX_NAME: [overdue.pk, fresh.pk]}
    )

    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert (overdue.status, fresh.status) == (Status.REFUNDED, Status.REQUESTED)
    assert Refund.objects.count() == 1


def test_requests_and_events_cannot_be_added_edited_or_deleted_in_the_admin(mall, admin_client):
    request = ask(mall)
    event = request.events.get()

    assert admin_client.get(reverse("admin:aftersales_aftersalerequest_add")).status_code == 403
    assert admin_client.get(reverse("admin:aftersales_aftersalerequest_delete", args=[request.pk])).status_code == 403
    assert admin_client.get(reverse("admin:aftersales_aftersaleevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:aftersales_aftersaleevent_delete", args=[event.pk])).status_code == 403
    admin_client.post(reverse("admin:aftersales_aftersaleevent_change", args=[event.pk]), {"note": "改写历史"})
    event.refresh_from_db()
    assert event.note == "坏了"
