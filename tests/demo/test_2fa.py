"""The demo's accounts with roles have 2FA with one public secret; demo_code prints its code."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command

from accounts.mfa import DEMO_TOTP_SECRET, totp_secret
from accounts.models import User
from demo import seeders as registry
from demo.data import organizations as demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_the_region_and_its_2fa(monkeypatch):
    """Devices, bookings and courses of the demo are not needed here (and slow)."""
    monkeypatch.setattr(registry, "_seeders", [demo_data.seed_demo_totp])


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_staff_admins_and_region_admin_get_the_demo_secret():
    _seed()

    for email in ("regionadmin", "schulleitung.kronberg", "medien.kronberg", "lehrer.kronberg"):
        user = User.objects.get(email=f"{email}@{demo_data.DEMO_EMAIL_DOMAIN}")
        assert totp_secret(user) == DEMO_TOTP_SECRET, email
    for email in ("lehrerin.kronberg", "buergerin"):
        user = User.objects.get(email=f"{email}@{demo_data.DEMO_EMAIL_DOMAIN}")
        assert totp_secret(user) is None, email


def test_seeding_again_adds_no_second_authenticator():
    _seed()
    before = Authenticator.objects.count()

    again = _seed()

    assert Authenticator.objects.count() == before
    assert "0 neu eingerichtet" in again


def test_demo_code_prints_the_code_the_demo_accounts_accept(monkeypatch, frozen_totp_clock):
    from demo.management.commands import demo_code

    monkeypatch.setattr(demo_code, "time", SimpleNamespace(time=lambda: frozen_totp_clock))
    _seed("--quiet")
    out, err = StringIO(), StringIO()

    call_command("demo_code", stdout=out, stderr=err)

    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    user = User.objects.get(email=f"medien.kronberg@{demo_data.DEMO_EMAIL_DOMAIN}")
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)


def test_demo_code_refuses_outside_a_demo(settings):
    settings.LERNPOOL_DEMO = False

    with pytest.raises(CommandError, match="not a demo"):
        call_command("demo_code", stdout=StringIO())


def test_a_forced_seed_outside_a_demo_sets_up_no_2fa(settings):
    settings.LERNPOOL_DEMO = False

    _seed("--force", "--quiet")

    assert User.objects.exists()
    assert not Authenticator.objects.exists()
