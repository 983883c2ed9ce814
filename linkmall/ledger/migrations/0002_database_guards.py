"""The database refuses unbalanced postings and changes to ledger history (SQL in ledger.dbguards)."""

from django.db import migrations

from linkmall.ledger import dbguards


def install(apps, schema_editor):
    dbguards.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    dbguards.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
