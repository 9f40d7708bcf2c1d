from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from . import log_labels

        log_labels.register()
        from organizations import offers

        from . import personal_data, retention  # noqa: F401 (registering)
        from .filters import catalog_offer

        offers.register(catalog_offer)
