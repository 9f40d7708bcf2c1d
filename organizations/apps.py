from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from . import log_labels

        log_labels.register()
        from . import personal_data, retention  # noqa: F401 (registering)
        from .demo import register_seeder
        from .demo_data import seed_demo_totp

        # The demo's staff and admins get the public demo secret for 2FA (LERNPOOL_DEMO only).
        register_seeder(seed_demo_totp)
