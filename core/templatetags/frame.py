"""The base template's fixed parts, rendered once per process and language (core/frame.py).

``{% fixed_url "imprint" %}`` (or ``… as imprint_url``) is ``{% url "imprint" %}`` for a page
without arguments, reversed once per process.

``{% same_for_everyone "footer" %}…{% endsame_for_everyone %}`` renders its content once per
process, language, script prefix and URLconf, and then gives the same HTML to every request.
Only for content that depends on nothing else: no CSRF token, nothing about the person or the
request. The content sees one variable, ``operator`` (the setting ``LERNPOOL_OPERATOR``), and
not the page's context.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from core import frame

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return frame.fixed_url(name)


class SameForEveryoneNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        # The template's name in the key too: two templates may use the same name.
        key = ("fragment", self.origin.name, self.name, *frame.place())
        # Not the page's context: the fragment must not depend on the page that happened to
        # render it first (Django's 400 page, for one, renders without context processors).
        alone = context.new({"operator": settings.LERNPOOL_OPERATOR})
        return frame.rendered(key, lambda: self.nodelist.render(alone))


@register.tag
def same_for_everyone(parser: template.base.Parser, token: template.base.Token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted name.")
    nodelist = parser.parse(("endsame_for_everyone",))
    parser.delete_first_token()
    return SameForEveryoneNode(bits[1][1:-1], nodelist)
