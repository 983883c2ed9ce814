# 地理围栏券: a coupon template only visitors near one store may claim (docs/o2o.md "Geofenced offers").
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0009_in_store_coupons"),
        ("stores", "0003_store_location_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="coupontemplate",
            name="geofence_store",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="geofenced_coupon_templates", to="stores.store"),
        ),
        migrations.AddField(
            model_name="coupontemplate",
            name="geofence_radius_m",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="coupontemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("geofence_radius_m__isnull", True), ("geofence_store__isnull", True)),
                    models.Q(("geofence_radius_m__gte", 100), ("geofence_radius_m__lte", 50000),
                             ("geofence_store__isnull", False)),
                    _connector="OR",
                ),
                name="coupon_template_geofence_pair",
            ),
        ),
    ]
