"""Signals for apps above devices (booking reacts to devices leaving service)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a device's status changed (inside the transaction), with ``device``,
# ``from_status`` and ``to_status``. Receivers should defer work to transaction.on_commit.
device_status_changed = Signal()

# Sent after a device moved from one pool to another (inside the transaction), with
# ``device``, ``from_pool_id`` and ``to_pool_id`` (either may be None).
device_pool_changed = Signal()
