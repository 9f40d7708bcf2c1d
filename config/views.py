"""The pages that belong to the installation rather than to one app."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.privacy import retention_rules
from organizations.models import Organization


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    counts = dict(
        Organization.objects.public().values_list("kind").annotate(n=Count("pk")).order_by()
    )
    kinds = [(label, counts.get(value, 0)) for value, label in Organization.Kind.choices]
    memberships = []
    if request.user.is_authenticated:
        memberships = request.user.memberships.select_related("organization")
    return render(request, "pages/home.html", {"kinds": kinds, "memberships": memberships})


@require_safe
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/imprint.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice. Its table of what is kept how long comes from the same retention
    rules and settings that the daily job applies, so the two cannot disagree."""
    rows = [(rule.purpose, rule.stored, rule.kept()) for rule in retention_rules()]
    return render(request, "pages/privacy.html", {"retention_rows": rows})


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")
