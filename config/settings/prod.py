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
# As in base.py: JIT compiles for longer than the short queries run (dropped behind PgBouncer).
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
behind_pgbouncer(DATABASES["default"])

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587; filemail:///var/spool/lernpool
# writes every email into that directory instead (a staging installation, the deploy tests).
_email = env.email_url("EMAIL_URL")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    _email_options = {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": _email.get("EMAIL_PORT") or 25,
        "username": _email.get("EMAIL_HOST_USER", ""),
        "password": _email.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": 20,
    }
elif _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    _email_options = {"file_path": "/" + _email["EMAIL_FILE_PATH"]}
else:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# TLS ends at the reverse proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxies in front of gunicorn that set X-Forwarded-For (deploy/nginx: one, which replaces
# whatever the client sent): allauth's login limits and the API's rate limits count per client
# address, not per proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
NINJA_NUM_PROXIES = TRUSTED_PROXY_COUNT
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and Prometheus talk to the app server directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
