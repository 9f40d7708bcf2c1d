"""Tasks queued before the move (#16) name booking.tasks.*: point them at lending.tasks, so
that a waiting-list offer or an overdue notice queued at deploy time still runs. Only where
the database task backend (django_tasks_db) is installed and migrated; elsewhere nothing
is queued."""

from django.db import migrations

MOVED_TASKS = (
    "offer_waitlist",
    "send_waitlist_email",
    "send_lending_email",
    "send_loan_notice",
    "send_overdue_notices",
    "expire_waitlist_holds",
)


def _repoint(from_module: str, to_module: str):
    def repoint(apps, schema_editor):
        try:
            DBTaskResult = apps.get_model("django_tasks_db", "DBTaskResult")
        except LookupError:
            return
        for name in MOVED_TASKS:
            DBTaskResult.objects.using(schema_editor.connection.alias).filter(
                task_path=f"{from_module}.{name}", status="READY"
            ).update(task_path=f"{to_module}.{name}")

    return repoint


class Migration(migrations.Migration):
    dependencies = [("lending", "0001_initial")]

    operations = [
        migrations.RunPython(
            _repoint("booking.tasks", "lending.tasks"), _repoint("lending.tasks", "booking.tasks")
        ),
    ]
