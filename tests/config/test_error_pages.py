from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_a_missing_page_is_a_styled_german_404(client):
    response = client.get("/devices/999999/")
    assert response.status_code in (302, 404)
    response = client.get("/organizations/gibt-es-nicht/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="de"' in html and "Seite nicht gefunden" in html
    assert 'class="site-header"' in html


@pytest.mark.django_db
def test_the_404_page_follows_the_language(client):
    client.cookies["django_language"] = "en"
    html = client.get("/organizations/nowhere/").content.decode()
    assert "Page not found" in html
