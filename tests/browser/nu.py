"""The W3C Nu HTML checker (vnu.jar) over the HTML the browser tests' pages were served with.

`make test-deps` installs vnu.jar (npm package vnu-jar) into .cache/vnu; VNU_JAR overrides
where it is. htmx's hx-* attributes are not in the HTML standard: exactly those messages
("Attribute “hx-…” not allowed on element “…” at this point.") are allowed, nothing else."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

JAR = Path(
    os.environ.get(
        "VNU_JAR",
        Path(__file__).resolve().parents[2] / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar",
    )
)
HTMX_ATTRIBUTE = re.compile(
    r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+” at this point\.$"
)


def unexpected(messages: list[dict]) -> list[dict]:
    """The checker's messages that are not about an hx-* attribute."""
    return [m for m in messages if not HTMX_ATTRIBUTE.match(m.get("message", ""))]


def check(pages: dict[str, str]) -> list[str]:
    """Run the checker once over every page (url → served HTML); return each problem as
    "url:line: message" (empty when the HTML is valid)."""
    if not JAR.is_file():
        return [f"{JAR} is missing: run `make test-deps` (or set VNU_JAR)"]
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (url, html) in enumerate(sorted(pages.items())):
            path = Path(folder) / f"page{number}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = url
        result = subprocess.run(
            ["java", "-jar", str(JAR), "--errors-only", "--format", "json", folder],
            capture_output=True,
            text=True,
            timeout=600,
        )
    try:
        messages = json.loads(result.stderr or "{}").get("messages", [])
    except json.JSONDecodeError:
        return [f"the Nu checker failed: {result.stderr[-2000:]}"]
    return [
        f"{names.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine', '?')}: "
        f"{m['message']}"
        for m in unexpected(messages)
    ]
