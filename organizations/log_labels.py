"""Words for the audit log: a label for every action the code logs, and the groups the log
page filters by.

The actions are the strings passed to ``accounts.audit.log_action`` across the apps; each app
registers its own when it loads (``<app>/log_labels.py``; organizations' at the end of this
module). A test collects them from the source so that a new one cannot go without a label.
An action that is not here (an old one, or one added without a label) shows its raw code.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import audit

# Every app registers its actions, groups and pages in its AppConfig.ready()
# (<app>/log_labels.py, through accounts.audit.register_log_labels); these are the registry.
ACTION_LABELS = audit.ACTION_LABELS
GROUPS = audit.GROUPS
GROUP_ACTIONS = audit.GROUP_ACTIONS
SYSTEM_ACTIONS = audit.SYSTEM_ACTIONS
TARGET_URLS = audit.TARGET_URLS


def action_label(action: str) -> str:
    """The words for ``action``; its raw code when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def is_system_action(action: str, data: dict | None = None) -> bool:
    """Whether an entry without an actor was written by a job rather than by a person since
    deleted (an erasure by a job, not on request, says so in its data)."""
    if action in SYSTEM_ACTIONS:
        return True
    return action == "accounts.erased" and (data or {}).get("reason") not in (
        None,
        "request",
        "staff_request",
    )


def register() -> None:
    audit.register_log_labels(
        {
            "organizations.member_added": _("Member added"),
            "organizations.role_changed": _("Role changed"),
            "organizations.member_removed": _("Member removed"),
            "organizations.role_claimed": _("Role given by the identity provider"),
            "organizations.claimed_role_removed": _("Role taken away by the identity provider"),
            "organizations.claimed_role_kept": _(
                "Role kept although the identity provider no longer grants it (last admin)"
            ),
            "organizations.hours_changed": _("Opening hours changed"),
        },
        groups={
            "members": (50, pgettext_lazy("log group", "Members and roles")),
            "hours": (55, pgettext_lazy("log group", "Opening hours")),
        },
        group_actions={
            "members": (
                "organizations.member_added",
                "organizations.role_changed",
                "organizations.member_removed",
                "organizations.role_claimed",
                "organizations.claimed_role_removed",
                "organizations.claimed_role_kept",
            ),
            "hours": ("organizations.hours_changed",),
        },
    )
