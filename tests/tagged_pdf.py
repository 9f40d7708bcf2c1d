"""Reads a PDF back the way an accessibility check does: pdfinfo (tagged?), pdffonts (every
font embedded?) and, with pikepdf, the structure tree (which tags, the figures' alternative
texts), the document language, DisplayDocTitle and the bookmarks."""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field

import pikepdf


@dataclass
class TaggedPdf:
    info: dict[str, str]
    fonts: list[tuple[str, bool]]  # (name, embedded)
    lang: str
    display_doc_title: bool
    tags: Counter = field(default_factory=Counter)
    figure_alts: list[str] = field(default_factory=list)
    bookmarks: list[str] = field(default_factory=list)
    # For each Table element: how many TH cells it holds.
    table_header_cells: list[int] = field(default_factory=list)

    @property
    def tagged(self) -> bool:
        return self.info.get("Tagged") == "yes"

    @property
    def title(self) -> str:
        return self.info.get("Title", "")

    @property
    def pages(self) -> int:
        return int(self.info["Pages"])

    @property
    def unembedded_fonts(self) -> list[str]:
        return [name for name, embedded in self.fonts if not embedded]


def _pdfinfo(content: bytes) -> dict[str, str]:
    result = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    pairs = (line.split(":", 1) for line in result.stdout.decode().splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _pdffonts(content: bytes) -> list[tuple[str, bool]]:
    result = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    fonts = []
    for line in result.stdout.decode().splitlines()[2:]:
        # name, type (may hold spaces), encoding, then emb sub uni as yes/no, object id.
        match = re.match(r"(\S+)\s.*?\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        if match:
            fonts.append((match.group(1), match.group(2) == "yes"))
    return fonts


def _walk(node, tags: Counter, alts: list[str], tables: list[int]) -> None:
    if not isinstance(node, pikepdf.Dictionary):
        return
    kind = str(node.get("/S", "")).lstrip("/")
    if kind:
        tags[kind] += 1
    if kind == "Figure":
        alts.append(str(node.get("/Alt", "")))
    if kind == "Table":
        inside: Counter = Counter()
        _walk_kids(node, inside, [], [])
        tables.append(inside["TH"])
        tags.update(inside)
        return
    _walk_kids(node, tags, alts, tables)


def _walk_kids(node, tags: Counter, alts: list[str], tables: list[int]) -> None:
    kids = node.get("/K")
    if kids is not None:
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            _walk(kid, tags, alts, tables)


def read_back(content: bytes) -> TaggedPdf:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root
        preferences = root.get("/ViewerPreferences", pikepdf.Dictionary())
        tags: Counter = Counter()
        alts: list[str] = []
        tables: list[int] = []
        if "/StructTreeRoot" in root:
            _walk(root.StructTreeRoot, tags, alts, tables)
        with pdf.open_outline() as outline:
            bookmarks = []
            stack = list(outline.root)
            while stack:
                item = stack.pop(0)
                bookmarks.append(item.title)
                stack[:0] = list(item.children)
        return TaggedPdf(
            info=_pdfinfo(content),
            fonts=_pdffonts(content),
            lang=str(root.get("/Lang", "")),
            display_doc_title=bool(preferences.get("/DisplayDocTitle", False)),
            tags=tags,
            figure_alts=alts,
            bookmarks=bookmarks,
            table_header_cells=tables,
        )
