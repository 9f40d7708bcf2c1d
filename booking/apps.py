from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from organizations.demo import register_seeder

        # signals connects the shortfall check
        from . import log_labels

        log_labels.register()
        from . import demo, demo_lending, personal_data, retention, signals  # noqa: F401

        register_seeder(demo.seed)
        register_seeder(demo_lending.seed)
