"""Indexes on django-tasks' result table for the lookups LinkMall makes on it.

`core.tasks.run_due` asks for the oldest due task and `customers.scoring.profile_rescore_later`
asks whether a task with given arguments still waits. The package's own index leads with the
priority, so both would read every waiting task (hundreds of thousands in a long scenario).
The table belongs to django_tasks_db, hence plain SQL that works on SQLite and PostgreSQL.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"

INDEXES = {
    "lm_task_status_due": "status, run_after, enqueued_at",
    "lm_task_path_status": "task_path, status",
}


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
