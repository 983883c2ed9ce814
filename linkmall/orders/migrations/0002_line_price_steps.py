"""Store each line's price step by step (docs/specs/campaigns.md §1) and the order's coupon,
promotion and points.

Orders placed before campaigns had no discount: their lines get L = A = P = unit price × quantity
and every discount 0; their orders L = the goods amount and no discount.
"""

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models
from django.db.models import F


def fill_existing(apps, schema_editor):
    OrderLine = apps.get_model("orders", "OrderLine")
    Order = apps.get_model("orders", "Order")
    amount = F("unit_price_fen") * F("quantity")
    OrderLine.objects.update(list_fen=amount, activity_fen=amount, paid_fen=amount)
    Order.objects.update(list_fen=F("goods_fen"))


FUNDERS = [("merchant", "商家"), ("platform", "平台")]


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0001_initial"),
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="list_fen",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(model_name="order", name="discount_fen", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="order", name="points_used", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="order",
            name="coupon",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="orders", to="campaigns.coupon"),
        ),
        migrations.AddField(
            model_name="order",
            name="promotion",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="orders", to="campaigns.promotion"),
        ),
        migrations.AddField(
            model_name="orderline",
            name="list_fen",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="orderline",
            name="activity_fen",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="orderline",
            name="activity_funder",
            field=models.CharField(choices=FUNDERS, default="merchant", max_length=10),
        ),
        migrations.AddField(model_name="orderline", name="level_fen", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="orderline", name="promotion_fen", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="orderline",
            name="promotion_funder",
            field=models.CharField(choices=FUNDERS, default="merchant", max_length=10),
        ),
        migrations.AddField(model_name="orderline", name="coupon_fen", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="orderline",
            name="coupon_funder",
            field=models.CharField(choices=FUNDERS, default="merchant", max_length=10),
        ),
        migrations.AddField(model_name="orderline", name="points_used", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="orderline", name="points_fen", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="orderline",
            name="paid_fen",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(("discount_fen__gte", 0), ("points_used__gte", 0), (
                    "goods_fen", django.db.models.expressions.CombinedExpression(
                        models.F("list_fen"), "-", models.F("discount_fen")))),
                name="order_goods_after_discount",
            ),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=models.Q(("activity_fen__gte", 0), ("coupon_fen__gte", 0), ("level_fen__gte", 0),
                                   ("paid_fen__gte", 0), ("points_fen__gte", 0), ("points_used__gte", 0),
                                   ("promotion_fen__gte", 0), ("activity_fen__lte", models.F("list_fen"))),
                name="line_discounts_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=models.Q(("paid_fen", django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("activity_fen"), "-", models.F("level_fen")),
                            "-", models.F("promotion_fen")),
                        "-", models.F("coupon_fen")),
                    "-", models.F("points_fen")))),
                name="line_paid_adds_up",
            ),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(
                condition=models.Q(("refunded_fen__gte", 0), ("refunded_fen__lte", models.F("paid_fen"))),
                name="line_refund_within_paid",
            ),
        ),
    ]
