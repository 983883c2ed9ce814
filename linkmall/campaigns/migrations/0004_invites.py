# Tiered invite campaigns (阶梯邀请) and their credits and prizes. Written by hand (see the brief):
# the models live in linkmall/campaigns/invites/models.py.
import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

import linkmall.core.clock

STATUSES = [("draft", "草稿"), ("active", "进行中"), ("paused", "已暂停"), ("ended", "已结束")]
FUNDERS = [("merchant", "商家"), ("platform", "平台")]


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_share"),
        ("stores", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InviteCampaign",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60)),
                ("counts", models.CharField(choices=[("first_order", "首单即计"), ("products", "首单含指定商品")],
                                            default="first_order", max_length=12)),
                ("product_ids", models.JSONField(blank=True, default=list)),
                ("starts_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("ends_at", models.DateTimeField(blank=True, null=True)),
                ("status", models.CharField(choices=STATUSES, default="draft", max_length=8)),
                ("compliance", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("updated_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="invite_campaigns", to="stores.merchant")),
            ],
            options={
                "indexes": [models.Index(fields=["merchant", "status"], name="invite_campaign_merchant")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("status__in", ["draft", "active", "paused", "ended"])),
                                           name="invite_campaign_status_valid"),
                    models.CheckConstraint(condition=models.Q(("counts__in", ["first_order", "products"])),
                                           name="invite_campaign_counts_valid"),
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__isnull", True),
                                           ("ends_at__gt", django.db.models.expressions.F("starts_at")),
                                           _connector="OR"),
                        name="invite_campaign_ends_after_start"),
                ],
            },
        ),
        migrations.CreateModel(
            name="InviteTier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("invitees", models.PositiveIntegerField()),
                ("prize_kind", models.CharField(choices=[("coupon", "优惠券"), ("gift", "赠品")], max_length=8)),
                ("funder", models.CharField(choices=FUNDERS, default="merchant", max_length=10)),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tiers",
                                               to="campaigns.invitecampaign")),
                ("coupon_template", models.ForeignKey(blank=True, null=True,
                                                      on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                      to="campaigns.coupontemplate")),
                ("gift_listing", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                   related_name="+", to="stores.listing")),
            ],
            options={
                "ordering": ["invitees"],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "invitees"), name="invite_tier_unique_count"),
                    models.CheckConstraint(condition=models.Q(("invitees__gt", 0)),
                                           name="invite_tier_invitees_positive"),
                    models.CheckConstraint(condition=models.Q(("funder__in", ["merchant", "platform"])),
                                           name="invite_tier_funder_valid"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("coupon_template__isnull", False), ("gift_listing__isnull", True),
                                     ("prize_kind", "coupon")),
                            models.Q(("coupon_template__isnull", True), ("gift_listing__isnull", False),
                                     ("prize_kind", "gift")),
                            _connector="OR"),
                        name="invite_tier_one_prize"),
                ],
            },
        ),
        migrations.CreateModel(
            name="InviteCredit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("order_ref", models.CharField(max_length=40)),
                ("status", models.CharField(choices=[("counted", "已计入"), ("refunded", "已退款")], default="counted",
                                            max_length=10)),
                ("credited_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("refunded_at", models.DateTimeField(blank=True, null=True)),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="credits",
                                               to="campaigns.invitecampaign")),
                ("invitee", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                              to=settings.AUTH_USER_MODEL)),
                ("inviter", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                              to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "indexes": [models.Index(fields=["campaign", "inviter", "status"], name="invite_credit_inviter"),
                            models.Index(fields=["order_ref"], name="invite_credit_order")],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "invitee"), name="invite_credit_once_per_invitee"),
                    models.CheckConstraint(
                        condition=models.Q(("inviter", django.db.models.expressions.F("invitee")), _negated=True),
                        name="invite_credit_not_self"),
                    models.CheckConstraint(condition=models.Q(("status__in", ["counted", "refunded"])),
                                           name="invite_credit_status_valid"),
                ],
            },
        ),
        migrations.CreateModel(
            name="InvitePrize",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(choices=[("issued", "已发放"), ("pending", "待下单"), ("to_claim", "待领取"),
                                                     ("ordered", "已下单"), ("failed", "发放失败")], max_length=10)),
                ("order_ref", models.CharField(blank=True, max_length=40)),
                ("failure", models.CharField(blank=True, max_length=40)),
                ("awarded_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="prizes",
                                               to="campaigns.invitecampaign")),
                ("coupon", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                             related_name="+", to="campaigns.coupon")),
                ("inviter", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                              to=settings.AUTH_USER_MODEL)),
                ("tier", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="prizes",
                                           to="campaigns.invitetier")),
            ],
            options={
                "indexes": [models.Index(fields=["inviter", "campaign"], name="invite_prize_inviter")],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "inviter", "tier"), name="invite_prize_once_per_tier"),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["issued", "pending", "to_claim", "ordered", "failed"])),
                        name="invite_prize_status_valid"),
                ],
            },
        ),
    ]
