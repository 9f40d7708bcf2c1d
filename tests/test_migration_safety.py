"""Migrations run while the previous release still serves (README "Migrations and updates").

Every migration of Lernpool's apps since the release in ``docs/released-migrations.json`` is
checked against the schema that release's code uses — the migration state at the release's
last migrations, which is that code's models (``makemigrations --check`` keeps them equal):

- no column or table the release uses is dropped or renamed in the database (remove it from
  the models first, with ``SeparateDatabaseAndState`` state operations only, and drop it in
  the next release);
- no column the release does not know is added NOT NULL without a ``db_default`` (the old
  code's INSERTs would fail);
- a field removed from the models only (its column stays a release longer) is nullable or
  has a ``db_default`` (the new code's INSERTs leave it out).

``RunSQL`` and ``RunPython`` are not read; the README's rule covers them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models.fields import NOT_PROVIDED

RELEASED = Path(settings.BASE_DIR) / "docs" / "released-migrations.json"

DROPS_MODEL = (migrations.DeleteModel, migrations.RenameModel, migrations.AlterModelTable)


@dataclass(frozen=True)
class Release:
    name: str
    state: ProjectState
    nodes: frozenset[tuple[str, str]]  # every migration in the release


def _project_apps() -> list[str]:
    from django.apps import apps

    base = Path(settings.BASE_DIR)
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and ".venv" not in Path(config.path).parts
    ]


def load_release(loader: MigrationLoader) -> Release:
    data = json.loads(RELEASED.read_text())
    leaves = [(app, name) for app, name in data["migrations"].items()]
    nodes = {node for leaf in leaves for node in loader.graph.forwards_plan(leaf)}
    return Release(data["release"], loader.project_state(leaves), frozenset(nodes))


def since_release(loader: MigrationLoader, release: Release) -> list[migrations.Migration]:
    apps = set(_project_apps())
    leaves = [leaf for leaf in loader.graph.leaf_nodes() if leaf[0] in apps]
    plan = []
    for leaf in leaves:
        for node in loader.graph.forwards_plan(leaf):
            if node[0] in apps and node not in release.nodes and node not in plan:
                plan.append(node)
    return [loader.graph.nodes[node] for node in plan]


def _flatten(operations, *, database: bool = True, state: bool = True):
    """(operation, touches the database, changes the models) for every operation."""
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _flatten(operation.database_operations, database=True, state=False)
            yield from _flatten(operation.state_operations, database=False, state=True)
        else:
            yield operation, database, state


def _released_field(release: Release, app: str, model: str, name: str) -> models.Field | None:
    model_state = release.state.models.get((app, model.lower()))
    return model_state.fields.get(name) if model_state else None


def _released_model(release: Release, app: str, model: str) -> bool:
    return (app, model.lower()) in release.state.models


def _writable_without(field: models.Field) -> bool:
    return field.null or field.db_default is not NOT_PROVIDED or field.many_to_many


def problems(
    migration: migrations.Migration, release: Release, before: ProjectState | None = None
) -> list[str]:
    """What in ``migration`` breaks the release's code while both run. ``before``: the
    models just before it (the release's by default)."""
    app, found = migration.app_label, []
    where = f"{app}.{migration.name}"
    current = (before or release.state).clone()
    for operation, database, state in _flatten(migration.operations):
        if isinstance(operation, migrations.RemoveField):
            field = _released_field(release, app, operation.model_name, operation.name)
            now = current.models[app, operation.model_name.lower()].fields[operation.name]
            if database and field is not None:
                found.append(
                    f"{where} drops {operation.model_name}.{operation.name}, which release "
                    f"{release.name} uses: remove it from the model first (state only) and "
                    "drop the column a release later"
                )
            if state and not database and not _writable_without(now):
                found.append(
                    f"{where} removes {operation.model_name}.{operation.name} from the model "
                    "but its column stays NOT NULL without a db_default: new rows would fail"
                )
        elif isinstance(operation, migrations.RenameField) and database:
            if _released_field(release, app, operation.model_name, operation.old_name):
                found.append(
                    f"{where} renames {operation.model_name}.{operation.old_name}, which "
                    f"release {release.name} uses: add the new column, copy, drop the old "
                    "one a release later"
                )
        elif isinstance(operation, DROPS_MODEL) and database:
            name = getattr(operation, "old_name", None) or operation.name
            if _released_model(release, app, name):
                found.append(
                    f"{where} drops or renames the table of {name}, which release "
                    f"{release.name} uses"
                )
        elif isinstance(operation, migrations.AddField) and database:
            new_column = _released_field(release, app, operation.model_name, operation.name)
            if (
                new_column is None
                and _released_model(release, app, operation.model_name)
                and not _writable_without(operation.field)
            ):
                found.append(
                    f"{where} adds {operation.model_name}.{operation.name} NOT NULL without a "
                    f"db_default: release {release.name} inserts rows without it"
                )
        if state:
            operation.state_forwards(app, current)
    return found


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


@pytest.fixture(scope="module")
def release(loader):
    return load_release(loader)


def test_no_migration_since_the_release_breaks_the_release_still_serving(loader, release):
    found = []
    for migration in since_release(loader, release):
        key = (migration.app_label, migration.name)
        found += problems(migration, release, loader.project_state(key, at_end=False))
    assert found == []


def test_the_release_names_migrations_that_exist(loader, release):
    data = json.loads(RELEASED.read_text())
    assert set(data["migrations"]) <= set(_project_apps())
    for app, name in data["migrations"].items():
        assert (app, name) in loader.graph.nodes, f"{app}.{name} is not a migration"


# The checker itself, on migrations that would break a running release (with fields that the
# release has: Reservation.purpose, NOT NULL text; Reservation.quantity).


def _migration(*operations) -> migrations.Migration:
    migration = migrations.Migration("9999_example", "booking")
    migration.operations = list(operations)
    return migration


def test_it_finds_a_dropped_column_the_release_uses(release):
    (text,) = problems(_migration(migrations.RemoveField("reservation", "purpose")), release)
    assert "drops reservation.purpose, which release" in text


def test_it_lets_a_column_leave_the_model_first_when_new_rows_can_do_without_it(release):
    state_only = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("reservation", "purpose")]
    )
    (text,) = problems(_migration(state_only), release)
    assert "column stays NOT NULL without a db_default" in text
    made_optional = migrations.AlterField(
        "reservation", "purpose", models.CharField(max_length=200, blank=True, db_default="")
    )
    assert problems(_migration(made_optional, state_only), release) == []


def test_it_finds_a_renamed_column_and_a_dropped_table(release):
    assert problems(_migration(migrations.RenameField("reservation", "quantity", "count")), release)
    assert problems(_migration(migrations.DeleteModel("reservation")), release)
    assert problems(_migration(migrations.RenameModel("reservation", "booking")), release)


def test_it_finds_a_new_not_null_column_without_a_database_default(release):
    bare = migrations.AddField("reservation", "room", models.CharField(max_length=40))
    assert problems(_migration(bare), release)
    with_default = migrations.AddField(
        "reservation", "room", models.CharField(max_length=40, db_default="")
    )
    nullable = migrations.AddField(
        "reservation", "room", models.CharField(max_length=40, null=True)
    )
    assert problems(_migration(with_default), release) == []
    assert problems(_migration(nullable), release) == []
