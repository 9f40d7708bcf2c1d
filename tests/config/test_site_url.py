"""Every absolute link (password reset, QR labels, feed addresses shown on pages) uses
settings' SITE_URL, never the host a request named (#15)."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..factories import DeviceFactory, DevicePoolFactory

pytestmark = pytest.mark.django_db

SITE = "https://lernpool.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.LERNPOOL_SITE_URL = SITE
    # Both hosts are allowed, as behind a proxy that passes several names through.
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]


def test_the_password_reset_link_uses_the_site_url(client, teacher, mailoutbox):
    response = client.post(
        "/accounts/password/reset/", {"email": teacher.email}, HTTP_HOST="other.example"
    )
    assert response.status_code in (200, 302)
    (message,) = mailoutbox
    links = re.findall(r"https?://[^\s\"<>]+", message.body)
    assert links and all(link.startswith(SITE + "/") for link in links), links


def test_the_calendar_feed_address_on_my_bookings_uses_the_site_url(client, teacher):
    client.force_login(teacher)
    html = client.get("/bookings/", HTTP_HOST="other.example").content.decode()
    assert f'value="{SITE}/calendar/' in html
    assert 'href="webcal://lernpool.example.org/calendar/' in html
    assert "other.example" not in html


def test_the_pool_feed_address_on_the_desk_calendar_uses_the_site_url(client, staff, organization):
    pool = DevicePoolFactory(organization=organization)
    client.force_login(staff)
    html = client.get(f"/pools/{pool.pk}/calendar/", HTTP_HOST="other.example").content.decode()
    assert f"{SITE}/calendar/" in html
    assert "other.example" not in html


def test_qr_labels_point_to_the_site_url(client, staff, organization, tmp_path):
    device = DeviceFactory(organization=organization)
    client.force_login(staff)
    response = client.get(
        f"/devices/labels.pdf?organization={organization.slug}&device={device.pk}",
        HTTP_HOST="other.example",
    )
    assert response.status_code == 200
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    image = tmp_path / "labels"
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(image)], check=True)
    codes = subprocess.run(
        ["zbarimg", "--raw", "-q", *map(str, tmp_path.glob("labels*.png"))],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert codes == [f"{SITE}/d/{device.label_code}"], (codes, text)
