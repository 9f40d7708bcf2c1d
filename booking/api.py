"""The booking API (placeholder until the API work lands)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["booking"])
