"""Every absolute link (password reset, QR labels, feed addresses shown on pages) uses
settings' SITE_URL, never the host a request named (#15)."""

from __future__ import annotations

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from ..factories import CourseFactory, DeviceFactory, DevicePoolFactory, MeetingFactory

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


def test_the_address_confirmation_link_after_sign_up_uses_the_site_url(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "neu@example.org",
            "password1": "ein langes Passwort 2026",
            "password2": "ein langes Passwort 2026",
            "privacy": "on",
        },
        HTTP_HOST="other.example",
    )
    assert response.status_code in (200, 302)
    (message,) = mailoutbox
    links = re.findall(r"https?://[^\s\"<>]+", message.body)
    assert links and all(link.startswith(SITE + "/") for link in links), links


def _future_course():
    course = CourseFactory(title="Tablet-Kurs", published_at=timezone.now())
    start = timezone.now() + datetime.timedelta(days=7)
    MeetingFactory(course=course, start=start, end=start + datetime.timedelta(hours=2))
    return course


def test_a_course_page_and_the_api_give_its_address_from_the_site_url(client):
    course = _future_course()
    html = client.get(course.get_absolute_url(), HTTP_HOST="other.example").content.decode()
    assert f'"url": "{SITE}{course.get_absolute_url()}"' in html.replace("\\u002F", "/")
    assert "other.example" not in html
    answer = client.get(f"/api/v1/courses/{course.pk}", HTTP_HOST="other.example").json()
    assert answer["url"] == f"{SITE}{course.get_absolute_url()}"
    ics = client.get("/api/v1/courses.ics", HTTP_HOST="other.example").content.decode()
    assert f"URL:{SITE}{course.get_absolute_url()}" in ics.replace("\r\n ", "")


def test_no_code_builds_an_absolute_url_from_the_request():
    """The request's host is only compared against (is a redirect target on this site?);
    an absolute address always comes from core.mail.site_url / SITE_URL."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "tests", "bench", "node_modules"} or parts[0].startswith("."):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "build_absolute_uri" in line or (
                "get_host()" in line and "allowed_hosts={request.get_host()}" not in line
            ):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
