"""The production stack on loopback, from deploy/'s own files: Debian's nginx with
deploy/nginx/lernpool.conf (TLS with a self-signed certificate) in front of gunicorn instances
started with deploy/gunicorn.conf.py and the production settings. Used by
tests/deploy/test_proxy.py and bench/http_mixed.py; imports nothing of Django.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy/nginx/lernpool.conf"
GUNICORN_CONF = ROOT / "deploy/gunicorn.conf.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """The DATABASE_URL of a Django connection's settings (the test database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def production_env(*, database_url: str, static_root: Path, site_url: str, mail_dir: Path):
    """What deploy/lernpool.env.example sets, for loopback."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "loopback-test-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": site_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": site_url,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "STATIC_ROOT": str(static_root),
        "TRUSTED_PROXY_COUNT": "1",
        "LOG_LEVEL": "ERROR",
    }


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env={**os.environ, **env}, check=True
    )


def prepare(env: dict[str, str]) -> None:
    """Static files collected; the cache table, which the test settings' database lacks (its
    migration creates it only where the cache is the database's)."""
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "createcachetable", "-v", "0")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise AssertionError(f"deploy/nginx/lernpool.conf changed: {old!r} is not there once")
    return text.replace(old, new)


def nginx_site(
    *, upstreams: list[int], http_port: int, https_port: int, static_root: Path, cert, key
) -> str:
    """deploy/nginx/lernpool.conf with loopback ports, the test certificate, the gunicorn
    instances as upstream servers and the collected static files; nothing else changed."""
    if static_root.name != "static":
        raise ValueError("the site serves STATIC_ROOT as <root>/static")
    site = SITE.read_text()
    servers = "".join(f"server 127.0.0.1:{port};\n    " for port in upstreams)
    site = _replace_once(site, "server 127.0.0.1:8000;\n    ", servers)
    site = _replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = _replace_once(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = _replace_once(site, "    listen [::]:80;\n", "")
    site = _replace_once(site, "    listen [::]:443 ssl http2;\n", "")
    site = _replace_once(site, "/etc/ssl/lernpool/fullchain.pem", str(cert))
    site = _replace_once(site, "/etc/ssl/lernpool/privkey.pem", str(key))
    if site.count("root /var/lib/lernpool;") != 2:
        raise AssertionError("deploy/nginx/lernpool.conf changed: the static roots")
    return site.replace("root /var/lib/lernpool;", f"root {static_root.parent};")


@contextmanager
def nginx(directory: Path, site: str, *, port: int, workers: int = 1):
    """nginx in the foreground with its files in ``directory``; the site inside http {}."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / name).mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
worker_processes {workers};
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
{site}
}}
"""
    )
    subprocess.run(
        [NGINX, "-t", "-q", "-e", str(directory / "error.log"), "-p", str(directory),
         "-c", str(conf)],
        check=True,
    )  # fmt: skip
    process = subprocess.Popen(
        [NGINX, "-e", str(directory / "error.log"), "-p", str(directory), "-c", str(conf),
         "-g", "daemon off;"],
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, process)
        yield process
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: finish open requests
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(env: dict[str, str], *, port: int, workers: int, access_log: Path | None = None):
    """An app server as deploy/systemd/lernpool.service starts it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "config.wsgi"],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": str(access_log) if access_log else "-",
        },
        start_new_session=True,
    )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/api/v1/health", process)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _wait_for_http(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    # Booting Django takes seconds on a loaded machine.
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            # As nginx would send it: the production settings redirect plain HTTP.
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            urllib.request.urlopen(request, timeout=30)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def gunicorn_requests(access_log: Path, pattern: str) -> int:
    """How many requests an app server's access log shows whose line matches ``pattern``."""
    if not access_log.exists():
        return 0
    return sum(1 for line in access_log.read_text().splitlines() if re.search(pattern, line))
