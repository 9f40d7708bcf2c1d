from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models import fields

        from core.api import register_token_lookup

        from . import erasure_requests, idempotency, log_labels, mfa, personal_data, retention  # noqa: F401
        from .api_auth import user_for_api_token

        log_labels.register()

        register_token_lookup(user_for_api_token)

        # Django 6.1's new empty choice label has no German translation yet: use our own.
        fields.BLANK_CHOICE_LABEL = _("– please choose –")
