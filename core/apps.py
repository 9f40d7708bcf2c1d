from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The floor every app stands on: it imports no other Lernpool app."""

    name = "core"
    verbose_name = _("Core")
