"""Production: PostgreSQL, SMTP, the database task queue, HTTPS behind a reverse proxy.

Required in the environment: SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, EMAIL_URL.
"""

from .base import *  # noqa: F403
from .base import DATABASES, behind_pgbouncer, env

DEBUG = False
LERNPOOL_DEMO = env.bool("LERNPOOL_DEMO", default=False)
# base.py installed the demo app by its own default; production has it only if the env says so.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]  # noqa: F405
if LERNPOOL_DEMO:
    INSTALLED_APPS.append("demo")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES["default"] = env.db("DATABASE_URL")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
behind_pgbouncer(DATABASES["default"])

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587
_email = env.email_url("EMAIL_URL")
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email.get("EMAIL_HOST", "localhost"),
            "port": _email.get("EMAIL_PORT", 25),
            "username": _email.get("EMAIL_HOST_USER", ""),
            "password": _email.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": _email.get("EMAIL_USE_TLS", False),
            "use_ssl": _email.get("EMAIL_USE_SSL", False),
            "timeout": 20,
        },
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# TLS ends at the reverse proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address is the one the proxy added last to X-Forwarded-For (API rate limits).
NINJA_NUM_PROXIES = env.int("NUM_PROXIES", default=1)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and Prometheus talk to the app server directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
