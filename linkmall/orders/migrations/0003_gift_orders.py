"""An order kind: `gift` orders are invite-tier prizes (docs/specs/campaigns.md, invite tiers):
one 0-price line, paid without a payment. Every existing order is `normal`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_line_price_steps")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="kind",
            field=models.CharField(choices=[("normal", "普通订单"), ("gift", "赠品订单")], default="normal",
                                   max_length=8),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind", "normal"), models.Q(("goods_fen", 0), ("kind", "gift"),
                                                                ("shipping_fen", 0)), _connector="OR"),
                name="order_gift_is_free"),
        ),
    ]
