"""What the audit found beyond axe: page titles that name what differs (WCAG 2.4.2), the
new-email field's autocomplete (1.3.5), and the login's tab order (2.4.3)."""

from __future__ import annotations

import datetime
import html as html_lib
import re

import pytest
from django.utils import timezone

from tests.factories import DeviceFactory, DevicePoolFactory

pytestmark = pytest.mark.django_db


def _title(response) -> str:
    text = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    return html_lib.unescape(" ".join(text.split()))


def test_two_devices_edit_pages_have_different_titles_naming_the_device(
    client, staff, organization
):
    pool = DevicePoolFactory(organization=organization)
    first, second = DeviceFactory(pool=pool), DeviceFactory(pool=pool)
    client.force_login(staff)
    titles = [_title(client.get(f"/devices/{device.pk}/edit/")) for device in (first, second)]
    assert titles[0] != titles[1]
    assert first.asset_tag in titles[0] and second.asset_tag in titles[1]
    assert pool.name in _title(client.get(f"/pools/{pool.pk}/edit/"))


def test_the_second_page_of_a_list_says_so_in_its_title(client, staff, organization):
    from devices.views import PAGE_SIZE

    pool = DevicePoolFactory(organization=organization)
    DeviceFactory.create_batch(PAGE_SIZE + 1, pool=pool)
    client.force_login(staff)
    first = _title(client.get("/devices/", {"organization": organization.slug}))
    second = _title(client.get("/devices/", {"organization": organization.slug, "page": 2}))
    assert first != second
    assert "Seite 1 von 2" in first and "Seite 2 von 2" in second


def test_the_desk_of_another_day_has_its_own_title(client, staff):
    client.force_login(staff)
    today = _title(client.get("/desk/"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    other = _title(client.get("/desk/", {"date": tomorrow.isoformat()}))
    assert today != other
    assert f"{tomorrow.day}. " in other


def test_the_new_email_field_says_it_takes_an_email_address(client, resident):
    client.force_login(resident)
    html = client.get("/accounts/email/").content.decode()
    field = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'autocomplete="email"' in field
    assert 'type="email"' in field


def test_on_the_login_tab_reaches_the_password_before_forgot_password(client):
    html = client.get("/accounts/login/").content.decode()
    password = html.index('name="password"')
    forgot = html.index('href="/accounts/password/reset/"')
    submit = html.index('type="submit"', html.index("<main"))
    assert password < forgot
    assert html.index('name="login"') < password < submit
