"""The GIN expression index the catalog's full-text search reads (courses.search) on
PostgreSQL; other databases search with ``icontains`` and get no index. It is kept out of the
models' state: SQLite cannot build a GIN index, and Django would try whenever it rebuilds the
table there."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# The expression of courses.search.course_vector(), frozen here as a migration must be.
INDEX = GinIndex(
    SearchVector("title", "summary", "description", config="german"),
    name="course_search_german",
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("courses", "Course"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("courses", "Course"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("courses", "0004_meetings_end")]

    operations = [migrations.RunPython(add_index, remove_index, elidable=False)]
