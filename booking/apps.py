from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from organizations.demo import register_seeder

        from . import demo, signals  # noqa: F401  (signals connects the shortfall check)

        register_seeder(demo.seed)
