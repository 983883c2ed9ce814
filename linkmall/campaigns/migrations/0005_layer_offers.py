# Layer actions that deliver coupons and early access.
import django.db.models.deletion
from django.db import migrations, models

import linkmall.core.clock


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_invites"),
        ("customers", "0005_item_popularity"),
        ("stores", "0002_listing_early_access"),
    ]

    operations = [
        migrations.CreateModel(
            name="LayerOfferSettings",
            fields=[
                ("merchant", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                  related_name="layer_offer_settings", serialize=False,
                                                  to="stores.merchant")),
                ("updated_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("birthday_template", models.ForeignKey(blank=True, null=True,
                                                        on_delete=django.db.models.deletion.PROTECT,
                                                        related_name="+", to="campaigns.coupontemplate")),
                ("exclusive_template", models.ForeignKey(blank=True, null=True,
                                                         on_delete=django.db.models.deletion.PROTECT,
                                                         related_name="+", to="campaigns.coupontemplate")),
                ("first_purchase_template", models.ForeignKey(blank=True, null=True,
                                                              on_delete=django.db.models.deletion.PROTECT,
                                                              related_name="+", to="campaigns.coupontemplate")),
            ],
        ),
        migrations.CreateModel(
            name="LayerOfferDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=16)),
                ("status", models.CharField(choices=[("issued", "已发券"), ("notified", "已通知"), ("refused", "未发放")],
                                            max_length=10)),
                ("reason", models.CharField(blank=True, max_length=40)),
                ("delivered_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("coupon", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                             related_name="+", to="campaigns.coupon")),
                ("listing", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="+", to="stores.listing")),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                               to="stores.merchant")),
                ("outreach", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                  related_name="layer_delivery", to="customers.outreach")),
            ],
            options={
                "indexes": [models.Index(fields=["merchant", "-delivered_at"], name="layer_delivery_merchant")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("status__in", ["issued", "notified", "refused"])),
                                           name="layer_delivery_status_valid"),
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("coupon__isnull", False), ("status", "issued")),
                                           models.Q(models.Q(("status", "issued"), _negated=True),
                                                    ("coupon__isnull", True)),
                                           _connector="OR"),
                        name="layer_delivery_coupon_when_issued"),
                ],
            },
        ),
        migrations.CreateModel(
            name="GuideCoupon",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("coupon", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                related_name="guide_grant", to="campaigns.coupon")),
                ("guide", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to="stores.guide")),
                ("profile", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                              to="customers.profile")),
                ("reminder", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="+", to="customers.reminder")),
            ],
            options={"indexes": [models.Index(fields=["guide", "-created_at"], name="guide_coupon_guide")]},
        ),
    ]
