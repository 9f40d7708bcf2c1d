"""Open data: anonymised statistics per organization and month."""

from ninja import Router

router = Router(tags=["statistics"])
