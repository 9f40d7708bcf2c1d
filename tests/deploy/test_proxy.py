"""The production stack of deploy/ on loopback: Debian's nginx with deploy/nginx/lernpool.conf,
TLS with a self-signed certificate, in front of TWO gunicorn instances (deploy/gunicorn.conf.py,
the production settings) on the test's PostgreSQL database. A mixed load goes through the
proxy: pages, the API, and teachers booking the last devices of one pool through both
instances at once.

What a city's IT department would check: no server errors, never more booked than the pool
holds although two processes took the bookings, static files from nginx (gunicorn does not
serve them), and HTTPS as nginx saw it honoured by Django (HSTS, secure cookies, no redirect
loop under SECURE_SSL_REDIRECT, https in the addresses Django builds).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from accounts.services import create_api_token
from booking import availability
from booking.models import Reservation
from organizations.models import Role
from tests.deploy import stack
from tests.factories import (
    PASSWORD,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),
    pytest.mark.skipif(not os.path.exists(stack.NGINX), reason="nginx is missing: make test-deps"),
]

CAPACITY = 10
TEACHERS = 24  # each asks for one of the pool's CAPACITY devices for the same lesson


class Stack:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.https_port, self.http_port = stack.free_port(), stack.free_port()
        self.app_ports = [stack.free_port(), stack.free_port()]
        self.static_root = directory / "static"
        self.mail_dir = directory / "mail"
        self.cert, self.key = stack.self_signed_certificate(directory)
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.access_logs = [directory / f"gunicorn-{port}.log" for port in self.app_ports]
        self.env = stack.production_env(
            database_url=stack.database_url(connection.settings_dict),
            static_root=self.static_root,
            site_url=self.url,
            mail_dir=self.mail_dir,
        )

    def session(self) -> requests.Session:
        session = requests.Session()
        # Only the test's certificate, whatever REQUESTS_CA_BUNDLE or a proxy variable says.
        session.trust_env = False
        session.verify = str(self.cert)
        return session

    def app_requests(self, pattern: str) -> list[int]:
        """Per gunicorn instance: how many requests of its access log match ``pattern``."""
        return [stack.gunicorn_requests(log, pattern) for log in self.access_logs]


@pytest.fixture(scope="module")
def production(django_db_setup):
    # nginx's workers run as nobody when the test runs as root: they must read the files.
    directory = Path(tempfile.mkdtemp(prefix="lernpool-proxy-"))
    directory.chmod(0o755)
    try:
        running = Stack(directory)
        stack.prepare(running.env)
        site = stack.nginx_site(
            upstreams=running.app_ports,
            http_port=running.http_port,
            https_port=running.https_port,
            static_root=running.static_root,
            cert=running.cert,
            key=running.key,
        )
        with ExitStack() as servers:
            for port, log in zip(running.app_ports, running.access_logs, strict=True):
                servers.enter_context(
                    stack.gunicorn(running.env, port=port, workers=2, access_log=log)
                )
            servers.enter_context(stack.nginx(directory, site, port=running.https_port))
            yield running
        errors = (directory / "error.log").read_text()
        assert "upstream" not in errors, errors
    finally:
        shutil.rmtree(directory, ignore_errors=True)


_plain = requests.Session()
_plain.trust_env = False


def _hashed_css(production: Stack) -> str:
    manifest = json.loads((production.static_root / "staticfiles.json").read_text())
    return max(
        (name for name in manifest["paths"].values() if name.endswith(".css")),
        key=lambda name: (production.static_root / name).stat().st_size,
    )


def test_static_files_come_from_nginx_with_a_year_of_cache_for_hashed_names(production):
    browser = production.session()
    home = browser.get(f"{production.url}/")
    assert home.status_code == 200
    # The pages link the content-hashed names (ManifestStaticFilesStorage).
    linked = re.findall(r'href="/static/([^"]+\.[0-9a-f]{12}\.css)"', home.text)
    assert linked
    name = _hashed_css(production)

    response = browser.get(f"{production.url}/static/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.content == (production.static_root / name).read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"] == "text/css"
    # The plain name is there too, cached for an hour only.
    plain = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", name)
    response = browser.get(f"{production.url}/static/{plain}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"

    # gunicorn itself does not serve static files (the production settings have no static
    # view): the file above came from nginx, and no app server saw a request for it.
    for port in production.app_ports:
        direct = _plain.get(
            f"http://127.0.0.1:{port}/static/{name}", headers={"X-Forwarded-Proto": "https"}
        )
        assert direct.status_code == 404
    # Each app server logged the one request above for a static file, no other.
    assert production.app_requests(r'"GET /static/') == [1, 1]


def test_https_as_nginx_saw_it_is_honoured(production, teacher):
    browser = production.session()
    # Plain HTTP is sent to HTTPS by nginx.
    response = _plain.get(
        f"http://127.0.0.1:{production.http_port}/courses/?q=1", allow_redirects=False
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://127.0.0.1/courses/?q=1"

    # Over HTTPS, Django knows the request is secure (X-Forwarded-Proto): it answers the page
    # instead of redirecting (SECURE_SSL_REDIRECT is on), and sends HSTS only then.
    login = browser.get(f"{production.url}/accounts/login/", allow_redirects=False)
    assert login.status_code == 200
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf = next(cookie for cookie in browser.cookies if cookie.name == "csrftoken")
    assert csrf.secure

    # The production settings hash passwords with PBKDF2 (the test settings with MD5).
    teacher.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    teacher.save(update_fields=["password"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = browser.post(
        f"{production.url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": teacher.email, "password": PASSWORD},
        headers={"Referer": f"{production.url}/accounts/login/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    session = next(cookie for cookie in browser.cookies if cookie.name == "sessionid")
    assert session.secure
    assert "httponly" in {key.lower() for key in session._rest}
    assert browser.get(f"{production.url}/bookings/").status_code == 200

    # Without the header (straight to an app server, which nginx never allows from outside),
    # Django sees plain HTTP and sends the browser to the https address it builds.
    direct = _plain.get(
        f"http://127.0.0.1:{production.app_ports[0]}/courses/", allow_redirects=False
    )
    assert direct.status_code == 301
    port = production.app_ports[0]
    assert direct.headers["Location"] == f"https://127.0.0.1:{port}/courses/"


def _next_lesson() -> tuple[datetime.datetime, datetime.datetime]:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday())  # next Monday
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    return start, start + datetime.timedelta(minutes=90)


def test_a_mixed_load_through_two_instances_has_no_errors_and_no_overbooking(
    production, organization
):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for _ in range(CAPACITY):
        DeviceFactory(pool=pool)
    course = CourseFactory()
    teachers = [
        MembershipFactory(organization=organization, role=Role.TEACHER).user
        for _ in range(TEACHERS)
    ]
    secrets = [create_api_token(by=teacher, name="Stundenplan")[1] for teacher in teachers]
    start, end = _next_lesson()
    before = production.app_requests(r'"POST /api/v1/reservations')

    pages = [
        "/",
        "/courses/",
        f"/courses/{course.pk}/",
        "/organizations/",
        f"/organizations/{organization.slug}/",
        "/lending/",
        "/api/v1/courses",
        f"/api/v1/pools/{pool.pk}/availability?"
        + urlencode({"start": start.isoformat(), "end": end.isoformat()}),
        "/api/v1/health",
    ]
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    go = threading.Barrier(TEACHERS)

    def browse(round_number: int) -> None:
        session = production.session()
        for path in pages[round_number % len(pages) :] + pages[: round_number % len(pages)]:
            headers = (
                {"Authorization": f"Bearer {secrets[round_number]}"} if "pools" in path else {}
            )
            status = session.get(production.url + path, headers=headers).status_code
            with lock:
                statuses[status] += 1

    def book(secret: str) -> int:
        session = production.session()
        session.get(f"{production.url}/api/v1/health")  # the TLS connection is up before
        go.wait(timeout=60)
        return session.post(
            f"{production.url}/api/v1/reservations",
            json={
                "pool_id": pool.pk,
                "quantity": 1,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "purpose": "Klasse 8a",
            },
            headers={"Authorization": f"Bearer {secret}"},
        ).status_code

    with ThreadPoolExecutor(max_workers=2 * TEACHERS) as pool_of_threads:
        browsing = [pool_of_threads.submit(browse, n) for n in range(TEACHERS)]
        booking = [pool_of_threads.submit(book, secret) for secret in secrets]
        booked = Counter(future.result() for future in booking)
        for future in browsing:
            future.result()

    assert [status for status in statuses if status >= 500] == []
    assert set(statuses) == {200}, statuses
    # Exactly the pool's devices were booked, every other teacher heard "too few free".
    assert booked == {201: CAPACITY, 409: TEACHERS - CAPACITY}
    assert Reservation.objects.filter(pool=pool, status="confirmed").count() == CAPACITY
    assert availability.peak_reserved(pool.pk, start, end) == CAPACITY
    # Both instances took bookings: the lock that keeps the count held across processes.
    after = production.app_requests(r'"POST /api/v1/reservations')
    took = [b - a for a, b in zip(before, after, strict=True)]
    assert sum(took) == TEACHERS
    assert min(took) > 0, took


def test_limits_of_the_proxy_leave_the_app_its_own_answers(production):
    browser = production.session()
    # An overlong address reaches the app (nginx's header buffers are large enough), which
    # answers in the API's JSON shape rather than with nginx's HTML page.
    response = browser.get(f"{production.url}/api/v1/courses?q={'a' * 8100}")
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    # A body beyond nginx's 10 MB never reaches an app server.
    response = browser.post(f"{production.url}/api/v1/reservations", data=b"x" * (11 * 2**20))
    assert response.status_code == 413
    assert "<center>nginx</center>" in response.text  # nginx's page, not the app's JSON
