"""An index on (user, end) for a person's bookings still to come ("Meine Buchungen", the
pick-ups of "Meine Ausleihen"): their filter is on ``end``, and reservation_user_start made
them read every booking the person ever made.

On PostgreSQL it includes the pool, so the pools a person ever booked (the filter of "Meine
Buchungen") come from the index alone; SQLite has no such indexes, so the models' state
holds the plain index (as courses/0005 keeps its GIN index out of it). On PostgreSQL it is
built CONCURRENTLY (the migration is not atomic): bookings go on while it builds on a
region's million rows."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

PLAIN = models.Index(fields=["user", "end"], name="reservation_user_end")
COVERING = models.Index(fields=["user", "end"], include=["pool"], name="reservation_user_end")


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
        self._ensure_not_in_transaction(schema_editor)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, COVERING, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
        return super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("booking", "0006_loan_item_returned_to_blank"),
    ]

    operations = [AddIndexConcurrentlyOnPostgreSQL(model_name="reservation", index=PLAIN)]
