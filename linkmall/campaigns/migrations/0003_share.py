# Share-to-get (分享领券) campaigns and their attributed claims.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_loyalty")]

    operations: list[migrations.operations.base.Operation] = []
