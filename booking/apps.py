from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from organizations.demo import register_seeder

        # signals connects the shortfall check
        from . import demo, personal_data, retention, signals  # noqa: F401

        register_seeder(demo.seed)
