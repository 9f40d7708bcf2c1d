from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from . import log_labels

        log_labels.register()
        from . import identity, personal_data, retention  # noqa: F401 (registering)
