from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo region: ``manage.py seed_demo`` and ``demo_code``, and the data they write.
    Installed only where settings.LERNPOOL_DEMO is on; no other app imports it."""

    name = "demo"
    verbose_name = "Demo"
