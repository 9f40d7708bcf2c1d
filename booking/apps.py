from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        # signals connects the shortfall check
        from . import log_labels

        log_labels.register()
        from . import personal_data, retention, signals  # noqa: F401 (registering)
