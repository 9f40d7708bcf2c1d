"""An organization's own texts (description, opening hours, a venue's access notes) have
no language field: they are written in German. The English interface marks them lang="de"
so that a screen reader reads them in a German voice (WCAG 3.1.2); German pages need no
mark."""

from __future__ import annotations

import pytest

from tests.factories import LocationFactory, OrganizationFactory
from tests.html_lang import languages_of

pytestmark = pytest.mark.django_db

TEXTS = (
    "Die Bibliothek im Herzen der Altstadt.",
    "Mo–Fr 10–18 Uhr",
    "Sa 10–13 Uhr",
    "Aufzug am Hintereingang",
)


@pytest.fixture
def library():
    library = OrganizationFactory(
        kind="library",
        description=TEXTS[0],
        opening_hours=f"{TEXTS[1]}\n{TEXTS[2]}",
    )
    LocationFactory(organization=library, name="Lesesaal", accessibility_notes=TEXTS[3])
    return library


@pytest.mark.parametrize(("ui", "marked"), [("en", "de"), ("de", None)])
def test_the_organization_page_marks_its_german_texts(client, settings, library, ui, marked):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ui
    html = client.get(library.get_absolute_url()).content.decode()
    assert f'<html lang="{ui}"' in html
    for text in TEXTS:
        assert languages_of(html, text) == {(marked or ui, None)}, text
