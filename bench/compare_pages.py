"""Whether two dumps of the daily pages (``profile_pages.py --dump DIR``) show the same.

    .venv/bin/python bench/compare_pages.py /tmp/pages-main /tmp/pages-branch

Compares every file the two directories share, after setting aside what differs from one
request to the next anyway: CSRF tokens and the forms' one-time tokens. ``--whitespace``
also ignores runs of whitespace (a template may move a line break). Prints a unified diff
of each page that differs and exits with 1 if any does.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ONE_TIME = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
        'name="csrfmiddlewaretoken" value=""',
    ),
    (re.compile(r'(name="csrf-token" content=)"[^"]*"'), r'\1""'),
    (re.compile(r'("X-CSRFToken": ?)"[^"]*"'), r'\1""'),
    # A form's one-time token against sending it twice (accounts/templatetags/once.py).
    (re.compile(r'name="once" value="[^"]*"'), 'name="once" value=""'),
]


def normalised(text: str, *, whitespace: bool) -> list[str]:
    for pattern, replacement in ONE_TIME:
        text = pattern.sub(replacement, text)
    if whitespace:
        text = re.sub(r"\s+", " ", text).replace("> <", ">\n<")
    return text.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--whitespace", action="store_true", help="ignore runs of whitespace")
    args = parser.parse_args()
    names = sorted(
        {p.name for p in args.before.glob("*.html")} & {p.name for p in args.after.glob("*.html")}
    )
    differing = 0
    for name in names:
        before = normalised((args.before / name).read_text(), whitespace=args.whitespace)
        after = normalised((args.after / name).read_text(), whitespace=args.whitespace)
        if before == after:
            print(f"same     {name}")
            continue
        differing += 1
        print(f"DIFFERS  {name}")
        sys.stdout.writelines(
            line + "\n" for line in difflib.unified_diff(before, after, "before", "after", n=1)
        )
    print(f"{len(names)} pages compared, {differing} differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
