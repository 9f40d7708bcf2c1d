"""The library desk over the API: hand out and take back devices lent to residents."""

from ninja import Router

router = Router(tags=["lending desk"])
