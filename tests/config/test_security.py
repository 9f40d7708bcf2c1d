"""Headers and settings that protect every page: CSP, frames, referrer, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]


def _production_environment(tmp_path, **overrides) -> dict[str, str]:
    """The environment a production process gets: none of the test run's own switches."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "ALLOWED_HOSTS": "lernpool.aschaffenburg.example",
            "EMAIL_URL": "smtp+tls://lernpool:geheim@mail.example.org:587",
        }
        | overrides
    )


def _pages_without_arguments(resolver=None, prefix=""):
    """Every GET-able URL of the URLconf that takes no argument, so a new page cannot hide."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _pages_without_arguments(entry, route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(?P" not in route:
            yield "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


@pytest.fixture
def pages(organization):
    skip = ("admin/", "api/v1/")  # the admin and the API have their own tests below
    urls = sorted(
        {
            url
            for url in _pages_without_arguments()
            if not url.startswith(tuple("/" + s for s in skip))
        }
    )
    return [*urls, organization.get_absolute_url(), "/admin/login/", "/api/v1/docs"]


def _assert_strict_csp(response, url):
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy, url
    assert "script-src 'self'" in policy, url
    assert "frame-ancestors 'none'" in policy, url
    assert "unsafe-" not in policy, url


def test_every_page_has_a_strict_csp_and_the_other_security_headers(client, pages, teacher):
    assert len(pages) > 20
    for user in (None, teacher):
        if user:
            client.force_login(user)
        for url in pages:
            response = client.get(url)
            # 403: the admin's login for someone logged in without admin access; 401: allauth's
            # page for a failed login through an identity provider; 301: allauth's old
            # /accounts/social/ addresses.
            expected = (200, 302, 403, 404, 405) + ((401,) if "/login/error/" in url else ())
            expected += (301,) if url.startswith("/accounts/social/") else ()
            assert response.status_code in expected, (url, response.status_code)
            _assert_strict_csp(response, url)
            assert response.headers["X-Frame-Options"] == "DENY", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url


@pytest.fixture
def production_like(settings):
    """The security settings of config/settings/prod.py, over HTTPS."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    return settings


def test_every_page_carries_hsts_and_the_other_headers_in_production(
    client, production_like, pages, org_admin, region_admin
):
    """Every page, also those added since (the list comes from the URLconf), for an anonymous
    visitor and for the people who see the most pages."""
    for user in (None, org_admin, region_admin):
        if user:
            client.force_login(user)
        for url in pages:
            response = client.get(url, secure=True)
            assert response.status_code < 500, (url, response.status_code)
            assert response.headers["Strict-Transport-Security"] == (
                "max-age=31536000; includeSubDomains; preload"
            ), url
            _assert_strict_csp(response, url)
            assert response.headers["X-Frame-Options"] == "DENY", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", url
            for cookie in response.cookies.values():
                if cookie.value:  # a deleted cookie (an empty value) needs no protection
                    assert cookie["secure"], (url, cookie.key)


def test_plain_http_is_sent_to_https_in_production(client, production_like):
    response = client.get("/imprint/")

    assert response.status_code == 301
    assert response.url == "https://testserver/imprint/"


def test_no_page_loads_anything_from_another_host(client, pages):
    for url in pages:
        html = client.get(url).content.decode()
        for attribute in ('src="http', "src='http", 'href="//', 'src="//'):
            assert attribute not in html, url
        assert '<link rel="stylesheet" href="http' not in html, url


def test_no_inline_script_on_any_page(client, pages):
    """Scripts come from files; inline <script> elements are data blocks only (JSON, and the
    schema.org JSON-LD of organizations and courses), which browsers never run."""
    import re

    data_blocks = ('type="application/json"', 'type="application/ld+json"')
    for url in pages:
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or any(kind in tag for kind in data_blocks), (url, tag)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = _production_environment(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = _production_environment(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mail_goes_through_the_smtp_server_from_email_url(tmp_path):
    env = _production_environment(tmp_path)
    code = "from django.conf import settings; m = settings.MAILERS['default']; print(m['BACKEND'], m['OPTIONS']['host'], m['OPTIONS']['port'], m['OPTIONS']['use_tls'], settings.TASKS['default']['BACKEND'])"  # noqa: E501
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.org",
        "587",
        "True",
        "django_tasks_db.DatabaseBackend",
    ], result.stderr


def test_no_page_has_duplicate_ids(client, pages, org_admin):
    """Two fields with one id send a label (and a screen reader) to the wrong field."""
    import re
    from collections import Counter

    client.force_login(org_admin)
    for url in [*pages, "/account/"]:
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a CSV or PDF download (streamed) has no ids
        html = response.content.decode()
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert not [i for i, n in ids.items() if n > 1], (url, ids.most_common(3))
