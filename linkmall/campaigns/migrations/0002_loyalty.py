# Points earning and expiry, member levels and growth, daily sign-in.
import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

import linkmall.campaigns.models
import linkmall.core.clock

KINDS = ["grant", "spend", "return", "earn", "signin", "takeback", "expire"]
KIND_CHOICES = [("grant", "获得积分"), ("spend", "积分抵扣"), ("return", "积分退回"), ("earn", "购物得积分"),
                ("signin", "签到奖励"), ("takeback", "退款扣回"), ("expire", "积分过期")]


def _id() -> models.BigAutoField:
    return models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")


def _merchant(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name=related_name,
                             to="stores.merchant")


def _user(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name=related_name,
                             to=settings.AUTH_USER_MODEL)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_initial"),
        ("stores", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # points: the new kinds of change, and the expiry's progress per account
        migrations.RemoveConstraint(model_name="pointsentry", name="points_entry_kind_valid"),
        migrations.AlterField(model_name="pointsentry", name="kind",
                              field=models.CharField(choices=KIND_CHOICES, max_length=8)),
        migrations.AddConstraint(
            model_name="pointsentry",
            constraint=models.CheckConstraint(condition=models.Q(("kind__in", KINDS)), name="points_entry_kind_valid"),
        ),
        migrations.AddIndex(
            model_name="pointsentry",
            index=models.Index(condition=models.Q(("expires_at__isnull", False)), fields=["expires_at"],
                               name="points_entry_expiry"),
        ),
        migrations.AddField(model_name="pointsaccount", name="expired_through",
                            field=models.DateTimeField(blank=True, null=True)),
        # a merchant's rules
        migrations.CreateModel(
            name="LoyaltySettings",
            fields=[
                ("id", _id()),
                ("points_per_yuan", models.PositiveIntegerField(default=1)),
                ("points_valid_days", models.PositiveIntegerField(default=365)),
                ("signin_enabled", models.BooleanField(default=True)),
                ("signin_points", models.PositiveIntegerField(default=5)),
                ("signin_bonuses", models.JSONField(blank=True,
                                                    default=linkmall.campaigns.models.default_signin_bonuses)),
                ("levels_enabled", models.BooleanField(default=True)),
                ("updated_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="loyalty_settings", to="stores.merchant")),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("points_per_yuan__lte", 100)),
                                           name="loyalty_points_rate_range"),
                    models.CheckConstraint(condition=models.Q(("points_valid_days__gte", 1),
                                                              ("points_valid_days__lte", 3650)),
                                           name="loyalty_valid_days_range"),
                    models.CheckConstraint(condition=models.Q(("signin_points__lte", 10000)),
                                           name="loyalty_signin_points_range"),
                ],
            },
        ),
        migrations.CreateModel(
            name="MemberLevel",
            fields=[
                ("id", _id()),
                ("name", models.CharField(max_length=20)),
                ("threshold_fen", models.BigIntegerField()),
                ("percent_off", models.DecimalField(decimal_places=2, max_digits=4)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", _merchant("member_levels")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("merchant", "threshold_fen"), name="member_level_threshold_unique"),
                    models.UniqueConstraint(fields=("merchant", "name"), name="member_level_name_unique"),
                    models.CheckConstraint(condition=models.Q(("threshold_fen__gte", 0)),
                                           name="member_level_threshold_not_negative"),
                    models.CheckConstraint(condition=models.Q(("percent_off__gt", 0), ("percent_off__lt", 50)),
                                           name="member_level_percent_range"),
                ],
            },
        ),
        # growth
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", _id()),
                ("growth_fen", models.BigIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", _merchant("memberships")),
                ("user", _user("memberships")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "merchant"), name="membership_unique"),
                    models.CheckConstraint(condition=models.Q(("growth_fen__gte", 0)),
                                           name="membership_growth_not_negative"),
                ],
            },
        ),
        migrations.CreateModel(
            name="GrowthEntry",
            fields=[
                ("id", _id()),
                ("delta_fen", models.BigIntegerField()),
                ("kind", models.CharField(choices=[("settle", "订单完成"), ("refund", "订单退款")], max_length=8)),
                ("reason", models.CharField(blank=True, max_length=100)),
                ("key", models.CharField(max_length=100)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("membership", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entries",
                                                 to="campaigns.membership")),
            ],
            options={
                "indexes": [models.Index(fields=["membership", "-created_at"], name="growth_entry_history")],
                "constraints": [
                    models.UniqueConstraint(fields=("membership", "key"), name="growth_entry_key_unique"),
                    models.CheckConstraint(condition=models.Q(("delta_fen", 0), _negated=True),
                                           name="growth_entry_delta_not_zero"),
                    models.CheckConstraint(condition=models.Q(("kind__in", ["settle", "refund"])),
                                           name="growth_entry_kind_valid"),
                ],
            },
        ),
        migrations.CreateModel(
            name="LoyaltyCredit",
            fields=[
                ("id", _id()),
                ("key", models.CharField(max_length=100)),
                ("settled_paid_fen", models.BigIntegerField()),
                ("paid_fen", models.BigIntegerField()),
                ("points", models.BigIntegerField(default=0)),
                ("points_taken", models.BigIntegerField(default=0)),
                ("points_short", models.BigIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", _merchant("+")),
                ("user", _user("+")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("merchant", "key"), name="loyalty_credit_key_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("paid_fen__gte", 0),
                                           ("paid_fen__lte", django.db.models.expressions.F("settled_paid_fen"))),
                        name="loyalty_credit_paid_range"),
                    models.CheckConstraint(
                        condition=models.Q(("points__gte", 0), ("points_short__gte", 0), ("points_taken__gte", 0),
                                           ("points__gte", django.db.models.expressions.CombinedExpression(
                                               django.db.models.expressions.F("points_taken"), "+",
                                               django.db.models.expressions.F("points_short")))),
                        name="loyalty_credit_points_range"),
                ],
            },
        ),
        # sign-in
        migrations.CreateModel(
            name="SignIn",
            fields=[
                ("id", _id()),
                ("day", models.DateField()),
                ("streak", models.PositiveIntegerField()),
                ("points", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=linkmall.core.clock.now)),
                ("merchant", _merchant("sign_ins")),
                ("user", _user("sign_ins")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "merchant", "day"), name="sign_in_once_a_day"),
                    models.CheckConstraint(condition=models.Q(("streak__gt", 0)), name="sign_in_streak_positive"),
                ],
            },
        ),
    ]
