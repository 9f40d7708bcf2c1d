from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models import fields

        from . import erasure_requests, idempotency, mfa, personal_data, retention  # noqa: F401

        # Django 6.1's new empty choice label has no German translation yet: use our own.
        fields.BLANK_CHOICE_LABEL = _("– please choose –")
