# 新品抢先: a listing sold only to the merchant's core customers until `early_access_until`.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stores", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="listing",
            name="early_access_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
