"""Leichte Sprache and German Sign Language (BITV 2.0 § 4, BayBITV): a page in easy-to-read
German and a page with the same content as sign-language videos, both linked from the header
of every page. The videos are the operator's: files in a folder, served by the installation,
each with captions; a slot without its video says so."""

from __future__ import annotations

import pytest

from config.views import EASY_READ_TOPICS
from tests.html_lang import languages_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/courses/", "/accounts/login/", "/accessibility/"])
def test_every_page_links_both_from_its_header(client, path):
    html = client.get(path).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert 'href="/leichte-sprache/"' in header
    assert 'href="/gebaerdensprache/"' in header


def test_the_easy_read_page_explains_each_topic_in_german_also_in_the_english_interface(client):
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get("/leichte-sprache/").content.decode()
    assert '<html lang="en"' in html
    for key, _title in EASY_READ_TOPICS:
        assert f'id="{key}"' in html
    assert languages_of(html, "Wie leihe ich ein Gerät aus?") == {("de", None)}
    assert languages_of(html, "Lern·pool kostet nichts.") == {("de", None)}
    assert "only available in German" in html


def test_without_videos_every_slot_says_it_is_not_recorded_yet(client, settings, tmp_path):
    settings.LERNPOOL_SIGN_LANGUAGE_VIDEO_DIR = tmp_path
    html = client.get("/gebaerdensprache/").content.decode()
    assert "<video" not in html
    assert html.count("Dieses Video wurde noch nicht aufgenommen.") == len(EASY_READ_TOPICS)


def test_a_recorded_video_plays_with_its_captions_from_the_installation(client, settings, tmp_path):
    settings.LERNPOOL_SIGN_LANGUAGE_VIDEO_DIR = tmp_path
    (tmp_path / "kurs.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (tmp_path / "kurs.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nKurse\n")
    (tmp_path / "hilfe.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")  # no captions yet
    html = client.get("/gebaerdensprache/").content.decode()
    assert html.count("<video") == 1
    assert 'src="/gebaerdensprache/kurs.mp4"' in html
    assert '<track kind="captions" srclang="de"' in html
    assert 'src="/gebaerdensprache/kurs.vtt"' in html
    video = client.get("/gebaerdensprache/kurs.mp4")
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    assert b"".join(video.streaming_content).startswith(b"\x00\x00\x00\x18ftyp")
    captions = client.get("/gebaerdensprache/kurs.vtt")
    assert captions["Content-Type"].startswith("text/vtt")


def test_unknown_or_missing_videos_are_404_and_writing_is_405(client, settings, tmp_path):
    settings.LERNPOOL_SIGN_LANGUAGE_VIDEO_DIR = tmp_path
    assert client.get("/gebaerdensprache/hilfe.mp4").status_code == 404
    assert client.get("/gebaerdensprache/etc-passwd.vtt").status_code == 404
    assert client.post("/gebaerdensprache/").status_code == 405
    assert client.post("/leichte-sprache/").status_code == 405
