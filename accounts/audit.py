from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditLog, User


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
