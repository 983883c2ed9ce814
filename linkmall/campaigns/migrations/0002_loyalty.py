# Points earning and expiry, member levels and growth, daily sign-in.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]

    operations: list[migrations.operations.base.Operation] = []
