"""Loans to residents over the API: my loans, renewals, waiting lists, and the desk."""

from ninja import Router

router = Router(tags=["lending"])
