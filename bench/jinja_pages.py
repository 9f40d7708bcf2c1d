"""Django's template engine against Jinja2 on the signed-in daily pages, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_jinja_bench \\
        .venv/bin/python bench/jinja_pages.py [--runs 300] [--language en] [--only desk]

For "Meine Buchungen", the staff desk and the teacher's week view of a pool (the people and
pages of ``http_pages.py``), it requests the page once through Django's test client under the
production settings and keeps the context its view hands to ``render()``. Then it renders,
from that same context and again and again:

- **content**: the page's ``{% block content %}``, with Django's engine exactly as production
  does (the cached loader's compiled template, a ``RequestContext`` with the context
  processors), and with the Jinja2 port of the same templates in ``bench/jinja/templates``
  (autoescape on, the translations through Jinja2's i18n extension bound to Django's gettext,
  the same ``reverse()``, date formats and row filters);
- **rows**: only the loops that write the page's rows (Django: the page's own ``{% for %}``
  nodes, as compiled; Jinja2: the same loops of the port);
- **floor** (rows only): the same rows from plain Python with ``format_html``
  (``bench/jinja/floor.py``), no engine at all.

It checks that each pair gives the same HTML (whitespace normalised, the CSRF token's value
set aside) and prints CPU milliseconds per rendering (``time.process_time``, median of
``--runs``, the variants taking turns so that they see the same load), and the CPU of the
whole request through the test client for scale. It only reads (apart from the sessions).
``--date`` shows the desk of another day (``YYYY-MM-DD``: a day with more to hand out).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.utils.safestring import mark_safe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_pages import PROD_ENV, people_and_pages  # noqa: E402

PAGES = {"Meine Buchungen": "my_bookings", "desk": "desk", "week view": "week"}
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def normalise(html: str) -> str:
    """Whitespace only: runs of it become one space, none between tags; and the CSRF token's
    value, which is new for every rendering."""
    html = CSRF.sub(r'\1…"', str(html))
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).strip()


def same(label: str, django_html: str, other_html: str, other: str) -> bool:
    a, b = normalise(django_html), normalise(other_html)
    if a == b:
        return True
    print(f"  !! {label}: Django and {other} differ", file=sys.stderr)
    split = lambda html: html.replace("><", ">\n<").splitlines()  # noqa: E731
    for line in list(difflib.unified_diff(split(a), split(b), "django", other, n=1))[:40]:
        print("    " + line, file=sys.stderr)
    return False


def capture(client, url: str) -> tuple:
    """The request, template name and context the view passes to render()."""
    import booking.desk_views
    import booking.views

    seen = []
    originals = {}
    for module in (booking.views, booking.desk_views):
        originals[module] = real = module.render

        def render(request, template_name, context=None, *args, _real=real, **kwargs):
            seen.append((request, template_name, context))
            return _real(request, template_name, context, *args, **kwargs)

        module.render = render
    try:
        response = client.get(url)
    finally:
        for module, real in originals.items():
            module.render = real
    assert response.status_code == 200, (url, response.status_code)
    return seen[-1]


def evaluate(context: dict) -> None:
    """Querysets in the context are read when a template first asks; read them now, so that
    no rendering below waits for the database."""
    from django.db.models import QuerySet

    for value in context.values():
        if isinstance(value, QuerySet):
            len(value)


def renderings(key: str, template_name: str, context: dict, request) -> tuple[dict, int]:
    """The five renderings of a page (content and rows by Django and Jinja2, rows by plain
    Python), each a function of no arguments, and how many rows (or cells) they write."""
    from django.template import engines
    from django.template.context import Context, make_context
    from django.template.defaulttags import ForNode
    from django.template.loader_tags import ExtendsNode
    from django.utils import translation

    from bench.jinja import environment as jinja_environment
    from bench.jinja import floor

    django_engine = engines["django"].engine
    jinja = JINJA.setdefault("environment", jinja_environment.environment())
    template = django_engine.get_template(template_name)

    def for_node(template, sequence: str) -> ForNode:
        """The compiled ``{% for … in sequence %}`` of a template (or its partials)."""
        nodes = template.nodelist.get_nodes_by_type(ForNode)
        return next(node for node in nodes if node.sequence.token == sequence)

    def django_content() -> str:
        # What {% extends %} does for the child's block, with the production context.
        block = template.nodelist.get_nodes_by_type(ExtendsNode)[0].blocks["content"]
        request_context = make_context(context, request)
        with (
            request_context.render_context.push_state(template),
            request_context.bind_template(template),
        ):
            request_context.template_name = template.name
            return block.render(request_context)

    def jinja_content() -> str:
        # As Django's Jinja2 backend: the context processors' values beside the view's.
        values = {}
        for processor in django_engine.template_context_processors:
            values.update(processor(request))
        values = jinja_environment.context({**values, **context}, request)
        return jinja.get_template(f"booking/{key}.html").render(values)

    def django_loops(template, loops: list[tuple[str, dict]], context: dict) -> str:
        """The template's own row loops, with a plain context (the rows need no context
        processor), bound to the template as in the page."""
        out = []
        for sequence, extra in loops:
            node = for_node(template, sequence)
            plain = Context({**context, **extra})
            with plain.render_context.push_state(template), plain.bind_template(template):
                out.append(node.render(plain))
        return "".join(out)

    gettext = translation.gettext
    if key == "my_bookings":
        # Translated before the rows, as the template's {% translate … as … %} do.
        gettext = _safe(translation.gettext)
        labels = {
            "download": gettext("Download (.ics)"),
            "cancel": mark_safe(translation.pgettext("a booking", "Cancel")),
            "when": gettext("When"),
            "pool": gettext("Pool"),
            "devices": gettext("Devices"),
            "purpose": gettext("Purpose"),
            "status": gettext("Status"),
            "actions": gettext("Actions"),
        }
        django_labels = {f"{name}_label": text for name, text in labels.items()}
        loops = [("upcoming", django_labels), ("page.object_list", django_labels)]
        jinja_rows = ("booking/my_bookings_row_loop.html", {"labels": labels})
        rows_count = len(context["upcoming"]) + len(context["page"].object_list)

        def floor_rows() -> str:
            return floor.my_bookings_rows(context, labels)

        def django_rows() -> str:
            return django_loops(template, loops, context)

    elif key == "week":
        labels = {f"{name}_label": _safe(gettext)(name) for name in ("closed", "past", "full")}
        loops = [("rows", labels)]
        jinja_rows = ("booking/week_rows.html", {})
        rows_count = sum(len(row.cells) for row in context["rows"])

        def floor_rows() -> str:
            return floor.week_rows(context)

        def django_rows() -> str:
            return django_loops(template, loops, context)

    else:
        # The loans' rows of the overdue and the take-back tables, in one loop.
        loans = [*context["overdue"], *context["to_take_back"]]
        loans_template = django_engine.get_template("booking/includes/desk_loans.html")
        jinja_rows = ("booking/desk_row_loop.html", {"loans": loans})
        rows_count = len(context["to_hand_out"]) + len(loans)

        def floor_rows() -> str:
            hand_outs = floor.desk_hand_out_rows(context)
            return hand_outs + floor.desk_loan_rows(loans, context["now"])

        def django_rows() -> str:
            hand_outs = django_loops(template, [("to_hand_out", {})], context)
            return hand_outs + django_loops(
                loans_template, [("loans", {})], {**context, "loans": loans}
            )

    def jinja_rows_render() -> str:
        name, extra = jinja_rows
        values = jinja_environment.context({**context, **extra}, request)
        return jinja.get_template(name).render(values)

    variants = {
        ("content", "django"): django_content,
        ("content", "jinja"): jinja_content,
        ("rows", "django"): django_rows,
        ("rows", "jinja"): jinja_rows_render,
        ("rows", "floor"): floor_rows,
    }
    return variants, rows_count


JINJA: dict = {}


def _safe(gettext):
    """A translation as a Django template makes it of a literal: safe, like the literal."""
    return lambda message: mark_safe(gettext(message))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--requests", type=int, default=20, help="whole requests, for scale")
    parser.add_argument("--only", default="", help="comma-separated page labels")
    parser.add_argument("--language", default="", help="de or en (default: the site's)")
    parser.add_argument("--date", default="", help="the desk's day (YYYY-MM-DD)")
    args = parser.parse_args()
    if "bench" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("Set DATABASE_URL to a generated region database (its name has 'bench').")
    os.environ.update(PROD_ENV)
    if "STATIC_ROOT" not in os.environ:  # the manifest storage needs collected files
        os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="lernpool-jinja-static-")
        command = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
        subprocess.run(command, cwd=ROOT, check=True)
    sessions, pages, _org = people_and_pages()
    pages = [page for page in pages if page.label in PAGES]
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")}
        pages = [page for page in pages if page.label in wanted]

    from django.conf import settings
    from django.test import Client
    from django.utils import translation

    print(
        f"{'page':<16} {'part':<8} {'Django ms':>9} {'Jinja2 ms':>9} {'floor ms':>8} "
        f"{'J/D':>5} {'KiB':>5}  same HTML"
    )
    for page in pages:
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.who]
        if args.language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = args.language
        url = page.url
        if page.label == "desk" and args.date:
            url += f"?date={args.date}"
        for _warm in range(3):
            request, template_name, context = capture(client, url)
        evaluate(context)
        request_cpu = []
        for _run in range(args.requests):
            started = time.process_time()
            client.get(url)
            request_cpu.append(time.process_time() - started)
        # The page's language, as LocaleMiddleware chose it for the request.
        with translation.override(request.LANGUAGE_CODE):
            variants, rows_count = renderings(PAGES[page.label], template_name, context, request)
            outputs = {name: render() for name, render in variants.items()}
            checks = {
                "content": same(
                    f"{page.label} content",
                    outputs["content", "django"],
                    outputs["content", "jinja"],
                    "jinja",
                ),
                "rows": same(
                    f"{page.label} rows",
                    outputs["rows", "django"],
                    outputs["rows", "jinja"],
                    "jinja",
                )
                and same(
                    f"{page.label} rows",
                    outputs["rows", "django"],
                    outputs["rows", "floor"],
                    "floor",
                ),
            }
            times = {name: [] for name in variants}
            for _run in range(args.runs):
                for name, render in variants.items():
                    started = time.process_time()
                    render()
                    times[name].append(time.process_time() - started)
        median = {name: statistics.median(values) * 1000 for name, values in times.items()}
        for part in ("content", "rows"):
            floor_ms = f"{median[part, 'floor']:8.2f}" if (part, "floor") in median else " " * 8
            print(
                f"{page.label:<16} {part:<8} {median[part, 'django']:9.2f} "
                f"{median[part, 'jinja']:9.2f} {floor_ms} "
                f"{median[part, 'jinja'] / median[part, 'django']:5.2f} "
                f"{len(outputs[part, 'django']) / 1024:5.1f}  {'yes' if checks[part] else 'NO'}",
                flush=True,
            )
        print(
            f"{'':<16} whole request (test client, CPU): "
            f"{statistics.median(request_cpu) * 1000:.1f} ms; "
            f"{request.LANGUAGE_CODE}; rows: {rows_count}"
            + (" (cells)" if page.label == "week view" else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
