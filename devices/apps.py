from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices")

    def ready(self) -> None:
        from . import log_labels

        log_labels.register()
        from . import personal_data, retention  # noqa: F401 (registering)
