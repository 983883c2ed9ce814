# "Stores near me" (stores.selectors.stores_nearby) reads a latitude/longitude box (docs/o2o.md).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stores", "0002_listing_early_access")]

    operations = [
        migrations.AddIndex(
            model_name="store",
            index=models.Index(fields=["latitude", "longitude"], name="store_location"),
        ),
    ]
