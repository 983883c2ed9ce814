# Share-to-get (分享领券) campaigns and their attributed claims.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import linkmall.core.clock

STATUS_CHOICES = [("draft", "草稿"), ("active", "进行中"), ("paused", "已暂停"), ("ended", "已结束")]


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_loyalty"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="ShareCampaign",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60)),
                ("friends_needed", models.PositiveIntegerField()),
                ("mode", models.CharField(choices=[("claims", "好友领券即计入"), ("orders", "好友首单结算后计入")],
                                          default="claims", max_length=8)),
                ("max_rewards", models.PositiveIntegerField(default=1)),
                ("starts_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("ends_at", models.DateTimeField(blank=True, null=True)),
                ("status", models.CharField(choices=STATUS_CHOICES, default="draft", max_length=8)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("updated_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="share_campaigns", to="stores.merchant")),
                ("friend_template", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                      to="campaigns.coupontemplate")),
                ("reward_template", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                      to="campaigns.coupontemplate")),
            ],
            options={
                "indexes": [models.Index(fields=["merchant", "status"], name="share_campaign_merchant")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("status__in", ["draft", "active", "paused", "ended"])),
                                           name="share_campaign_status_valid"),
                    models.CheckConstraint(condition=models.Q(("mode__in", ["claims", "orders"])),
                                           name="share_campaign_mode_valid"),
                    models.CheckConstraint(condition=models.Q(("friends_needed__gt", 0)),
                                           name="share_campaign_friends_positive"),
                    models.CheckConstraint(condition=models.Q(("max_rewards__gt", 0)),
                                           name="share_campaign_rewards_positive"),
                    models.CheckConstraint(condition=models.Q(("ends_at__isnull", True),
                                                              ("ends_at__gt", models.F("starts_at")), _connector="OR"),
                                           name="share_campaign_ends_after_start"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ShareProgress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("claims", models.PositiveIntegerField(default=0)),
                ("converted", models.PositiveIntegerField(default=0)),
                ("rewards", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("updated_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="progress",
                                               to="campaigns.sharecampaign")),
                ("sharer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="share_progress", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "indexes": [models.Index(fields=["sharer", "-updated_at"], name="share_progress_sharer")],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "sharer"), name="share_progress_unique"),
                    models.CheckConstraint(condition=models.Q(("converted__lte", models.F("claims"))),
                                           name="share_progress_converted_within_claims"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ShareClaim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("device_key", models.CharField(blank=True, max_length=32)),
                ("phone", models.CharField(blank=True, max_length=20)),
                ("claimed_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("converted_at", models.DateTimeField(blank=True, null=True)),
                ("converted_order", models.CharField(blank=True, max_length=32)),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="claims",
                                               to="campaigns.sharecampaign")),
                ("coupon", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                related_name="share_claim", to="campaigns.coupon")),
                ("friend", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="share_claims", to=settings.AUTH_USER_MODEL)),
                ("sharer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="share_claims_made", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "indexes": [models.Index(fields=["sharer", "campaign"], name="share_claim_sharer"),
                            models.Index(fields=["friend", "converted_at"], name="share_claim_friend")],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "friend"), name="share_claim_one_per_friend"),
                    models.UniqueConstraint(condition=models.Q(("device_key", ""), _negated=True),
                                            fields=("campaign", "device_key"), name="share_claim_one_per_device"),
                    models.UniqueConstraint(condition=models.Q(("phone", ""), _negated=True),
                                            fields=("campaign", "phone"), name="share_claim_one_per_phone"),
                    models.CheckConstraint(condition=models.Q(("friend", models.F("sharer")), _negated=True),
                                           name="share_claim_not_self"),
                ],
            },
        ),
    ]
