# Layer actions that deliver coupons and early access.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0004_invites")]

    operations: list[migrations.operations.base.Operation] = []
