# Tiered invite campaigns (阶梯邀请) and their credits and prizes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_share")]

    operations: list[migrations.operations.base.Operation] = []
