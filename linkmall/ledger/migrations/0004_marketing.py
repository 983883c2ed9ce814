"""The marketing bucket (营销费用) of merchants and the platform and the system owner `discounts`
(让利) on its other side (docs/specs/campaigns.md §2). Only choices change: the database guards
(0002, `ledger.dbguards`) check balance and history, not buckets, and `ledger.services` refuses an
account outside `ALLOWED_BUCKETS`."""

from django.db import migrations, models

OWNER_KINDS = [("supplier", "供应商"), ("merchant", "商家"), ("promoter", "推广员"), ("platform", "平台"),
               ("gateway", "支付通道"), ("payout", "出款"), ("discounts", "让利")]
BUCKETS = [("pending", "待结算"), ("available", "可提现"), ("withdrawn", "已提现"), ("cash", "资金"),
           ("clearing", "清算中"), ("marketing", "营销费用")]


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0003_withdrawal"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgeraccount",
            name="bucket",
            field=models.CharField(choices=BUCKETS, max_length=16),
        ),
        migrations.AlterField(
            model_name="ledgeraccount",
            name="owner_kind",
            field=models.CharField(choices=OWNER_KINDS, max_length=16),
        ),
        migrations.AlterField(
            model_name="withdrawal",
            name="owner_kind",
            field=models.CharField(choices=OWNER_KINDS, max_length=16),
        ),
    ]
