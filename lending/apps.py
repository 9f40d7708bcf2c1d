from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending to residents")

    def ready(self) -> None:
        # personal_data and retention register themselves; signals connects lending to
        # booking's "devices freed" and "handed out" signals.
        from . import log_labels

        log_labels.register()
        from . import personal_data, retention, signals  # noqa: F401 (registering)
