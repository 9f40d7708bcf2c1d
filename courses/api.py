"""Courses over the API: the public catalog (open data) and one's own enrolments."""

from ninja import Router

router = Router(tags=["courses"])
