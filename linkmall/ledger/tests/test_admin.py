import pytest
from django.urls import reverse

from linkmall.accounts.models import Role, User
from linkmall.ledger.models import Posting

from .helpers import account, fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser(username="ops", password="correct horse battery", role=Role.PLATFORM)
    client.force_login(admin)
    return client


def test_platform_staff_can_look_at_accounts_postings_and_entries(staff_client):
    target = account()
    posting = fund(target, 1234)
    for name in ("ledgeraccount", "posting", "entry"):
        assert staff_client.get(reverse(f"admin:ledger_{name}_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:ledger_posting_change", args=[posting.pk]))
    assert page.status_code == 200
    assert "12.34" in staff_client.get(reverse("admin:ledger_ledgeraccount_changelist")).content.decode()


def test_the_admin_offers_no_way_to_add_change_or_delete(staff_client):
    posting = fund(account(), 100)
    assert staff_client.get(reverse("admin:ledger_posting_add")).status_code == 403
    assert staff_client.post(reverse("admin:ledger_posting_delete", args=[posting.pk]), {"post": "yes"}).status_code == 403
    response = staff_client.post(reverse("admin:ledger_posting_change", args=[posting.pk]), {"memo": "edited"})
    assert response.status_code == 403
    assert Posting.objects.get(pk=posting.pk).memo == ""
