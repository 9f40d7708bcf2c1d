"""The HTML → tagged PDF path every document takes: it reads only the app's own files, and
numbers its pages in the reader's language."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation

from core import html_pdf
from core.html_pdf import BASE_URL, StaticFilesFetcher


def test_the_renderer_reads_the_apps_static_files():
    response = StaticFilesFetcher().fetch(f"{BASE_URL}static/css/pdf.css")

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_woff2_font_is_handed_over_unpacked():
    url = f"{BASE_URL}static/vendor/kern-ux/fonts/fira-sans/FiraSans-Regular.woff2"

    assert StaticFilesFetcher().fetch(url).read()[:4] == b"\x00\x01\x00\x00"  # TrueType


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/logo.png",
        "http://127.0.0.1:8000/static/css/pdf.css",
        "file:///etc/passwd",
        f"{BASE_URL}static/../config/settings/base.py",
        f"{BASE_URL}core-fonts/../html_pdf.py",
        f"{BASE_URL}media/anything.png",
    ],
)
def test_nothing_else_is_fetched(url):
    with pytest.raises(ValueError):
        StaticFilesFetcher().fetch(url)


def test_page_numbers_are_in_the_readers_language():
    with translation.override("de"):
        assert html_pdf.page_counter() == '"Seite " counter(page) " von " counter(pages)'
    with translation.override("en"):
        assert html_pdf.page_counter() == '"Page " counter(page) " of " counter(pages)'


def test_the_garbage_collector_is_off_while_rendering_and_back_on_after(monkeypatch):
    seen = []

    def render(*args, **kwargs):
        seen.append(gc.isenabled())
        raise RuntimeError("a broken template")

    monkeypatch.setattr(html_pdf, "render_to_string", render)
    assert gc.isenabled()

    with pytest.raises(RuntimeError):
        html_pdf.render_pdf("pdf/document.html", {})

    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_switched_off_elsewhere_stays_off():
    gc.disable()
    try:
        with html_pdf._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_each_thread_keeps_its_own_fetcher():
    fetchers = []
    thread = threading.Thread(target=lambda: fetchers.append(html_pdf._fetcher()))
    thread.start()
    thread.join()

    assert html_pdf._fetcher() is html_pdf._fetcher()
    assert fetchers[0] is not html_pdf._fetcher()


def _woff2(name: str = "FiraSans-Regular.woff2") -> bytes:
    return Path(finders.find(f"vendor/kern-ux/fonts/fira-sans/{name}")).read_bytes()


def test_a_font_is_unpacked_once_per_machine_not_once_per_process(settings, tmp_path):
    settings.LERNPOOL_PDF_FONT_CACHE_DIR = tmp_path / "fonts"
    content = _woff2()

    first = html_pdf._unpacked(content)

    kept = list((tmp_path / "fonts").iterdir())
    assert [path.suffix for path in kept] == [".ttf"]  # no half-written file left
    assert kept[0].read_bytes() == first
    assert first[:4] == b"\x00\x01\x00\x00"
    # The next process reads the file instead of unpacking again.
    kept[0].write_bytes(b"\x00\x01\x00\x00 kept")
    assert html_pdf._unpacked(content) == b"\x00\x01\x00\x00 kept"
    # Another font (a new KERN UX release) is a file of its own.
    assert html_pdf._unpacked(_woff2("FiraSans-Italic.woff2"))[:4] == b"\x00\x01\x00\x00"
    assert len(list((tmp_path / "fonts").iterdir())) == 2


def test_a_folder_that_cannot_be_written_only_costs_the_time(settings, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    settings.LERNPOOL_PDF_FONT_CACHE_DIR = blocked / "fonts"

    assert html_pdf._unpacked(_woff2())[:4] == b"\x00\x01\x00\x00"
