from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditLog, User

# The words for the log, registered by each app when it loads (its log_labels.register() in
# AppConfig.ready(), like the personal-data registry): accounts cannot import the apps above
# it. organizations.log_labels is the lookup API over these.
ACTION_LABELS: dict[str, Any] = {}
GROUPS: dict[str, Any] = {}  # group key → title, in the filter's order
GROUP_ACTIONS: dict[str, tuple[str, ...]] = {}
SYSTEM_ACTIONS: set[str] = set()
TARGET_URLS: dict[str, str] = {}  # "app_label.model" → URL name of the object's page
_GROUP_ORDER: dict[str, int] = {}


def register_log_labels(
    labels: Mapping[str, Any],
    *,
    groups: Mapping[str, tuple[int, Any]] = {},
    group_actions: Mapping[str, Iterable[str]] = {},
    system: Iterable[str] = (),
    target_urls: Mapping[str, str] = {},
) -> None:
    """Add an app's actions with their labels; ``groups``: key → (position, title) of the
    log filter's groups it brings; ``group_actions``: actions added to a group (also to
    another app's, e.g. "privacy"); ``system``: actions only jobs log; ``target_urls``: the
    pages of the objects its entries point to."""
    ACTION_LABELS.update(labels)
    for key, (position, title) in groups.items():
        _GROUP_ORDER[key] = position
        GROUPS[key] = title
    ordered = sorted(GROUPS.items(), key=lambda item: _GROUP_ORDER[item[0]])
    GROUPS.clear()
    GROUPS.update(ordered)
    for key, actions in group_actions.items():
        GROUP_ACTIONS[key] = (*GROUP_ACTIONS.get(key, ()), *actions)
    SYSTEM_ACTIONS.update(system)
    TARGET_URLS.update(target_urls)


def log_action(
    by: User | None,
    action: str,
    target: models.Model | None = None,
    *,
    organization_id: int | None = None,
    **data: Any,
) -> AuditLog:
    """Record that ``by`` did ``action`` to ``target``. Pass ids in ``data``, never names."""
    return AuditLog.objects.create(
        actor=by if by is not None and by.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        organization_id=organization_id,
        data=data,
    )
