from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The floor every app stands on: it imports no other Lernpool app."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.tasks.signals import task_finished, task_started

        from . import logging, lookups, public_cache

        connection_created.connect(
            lookups.register_sqlite_functions, dispatch_uid="lernpool-sqlite-functions"
        )
        task_started.connect(logging.task_started, dispatch_uid="lernpool-task-started")
        task_finished.connect(logging.task_finished, dispatch_uid="lernpool-task-finished")
        public_cache.connect_receivers()
