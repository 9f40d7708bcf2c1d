"""The browser tests run the W3C Nu HTML checker over every page they visit and allow exactly
one kind of message: htmx's hx-* attributes, which are not in the HTML standard."""

from __future__ import annotations

from tests.browser import nu

PAGE = '<!DOCTYPE html><html lang="de"><head><title>x</title></head><body>{body}</body></html>'


def test_only_messages_about_hx_attributes_are_allowed():
    messages = [
        {"message": "Attribute “hx-get” not allowed on element “a” at this point."},
        {"message": "Attribute “hx-push-url” not allowed on element “form” at this point."},
        {"message": "Attribute “hx-headers” not allowed on element “body” at this point."},
        {"message": "Attribute “hxget” not allowed on element “a” at this point."},
        {"message": "Attribute “data-hx-get” not allowed on element “a” at this point."},
        {"message": "Duplicate ID “id_repeat”."},
        {"message": "Attribute “hx-get” not allowed on element “a” at this point. Also more."},
    ]
    assert [m["message"] for m in nu.unexpected(messages)] == [
        "Attribute “hxget” not allowed on element “a” at this point.",
        "Attribute “data-hx-get” not allowed on element “a” at this point.",
        "Duplicate ID “id_repeat”.",
        "Attribute “hx-get” not allowed on element “a” at this point. Also more.",
    ]


def test_the_checker_finds_invalid_html_and_passes_valid_html():
    valid = PAGE.format(body='<a href="/" hx-get="/" hx-target="#main">Start</a>')
    invalid = PAGE.format(body='<p id="a"></p><p id="a"></p>')
    assert nu.check({"/valid/": valid}) == []
    problems = nu.check({"/valid/": valid, "/invalid/": invalid})
    assert len(problems) == 1 and problems[0].startswith("/invalid/:")
    assert "Duplicate ID" in problems[0]
