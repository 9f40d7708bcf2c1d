"""``{% pk_url %}``: a row's link without a ``reverse()`` per row, for pages that list many
rows (bench/README.md)."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()

_MARKER = 9_081_726_354  # a primary key no row has, replaced by the row's own


@register.simple_tag(takes_context=True)
def pk_url(context: template.Context, name: str, pk: int) -> str:
    """``{% url name pk %}`` for many rows: the pattern is reversed once per rendering (with a
    marker for the key), and each row only puts its own key in."""
    # The outermost state of the rendering: a {% partial %} or {% include %} pushes its own.
    cache = context.render_context.dicts[0].setdefault("pk_url", {})
    if name not in cache:
        cache[name] = reverse(name, args=[_MARKER]).split(str(_MARKER))
    before, after = cache[name]
    return f"{before}{int(pk)}{after}"
