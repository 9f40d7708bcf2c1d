from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "lending"
    verbose_name = _("Lending to residents")

    def ready(self) -> None:
        # personal_data and retention register themselves; signals connects lending to
        # booking's "devices freed" and "handed out" signals.
        from booking import demo_lending  # the demo app takes it over (#16)
        from organizations.demo import register_seeder

        from . import personal_data, retention, signals  # noqa: F401

        register_seeder(demo_lending.seed)
