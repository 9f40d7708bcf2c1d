"""Words for the audit log of accounts: registered when the app loads (apps.py), looked up
through organizations.log_labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.audit import register_log_labels


def register() -> None:
    register_log_labels(
        {
            "accounts.exported": _("Personal data exported"),
            "accounts.erased": _("Account deleted"),
            "accounts.erasure_requested": _(
                "Deletion of an account requested on the person's behalf"
            ),
            "accounts.erasure_objected": _("The person objected to the deletion of their account"),
            "accounts.token_created": _("API token created"),
            "accounts.token_revoked": _("API token revoked"),
            "accounts.barrier_reported": _("Barrier reported"),
            "accounts.inactivity_warned": _("Warned that an unused account will be deleted"),
        },
        groups={"privacy": (60, pgettext_lazy("log group", "Personal data"))},
        group_actions={
            "privacy": (
                "accounts.exported",
                "accounts.erased",
                "accounts.erasure_requested",
                "accounts.erasure_objected",
                "accounts.token_created",
                "accounts.token_revoked",
                "accounts.barrier_reported",
                "accounts.inactivity_warned",
            )
        },
        system=("accounts.inactivity_warned",),
    )
