from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from organizations.demo import register_seeder

        from . import log_labels

        log_labels.register()
        from . import demo_log, personal_data, retention  # noqa: F401 (registering)

        # Last, after the demo's bookings, loans and courses exist.
        register_seeder(demo_log.seed)
