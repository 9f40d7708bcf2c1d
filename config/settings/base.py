"""Settings shared by every environment. Everything an operator sets comes from the environment."""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-only-for-the-embedded-demo")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "accounts",
    "organizations",
    "devices",
    "booking",
    "lending",
    "courses",
    "reports",
]

MIDDLEWARE = [
    # A request id for every request (X-Request-ID), and with LOG_FORMAT=json a log event each.
    "core.logging.RequestLogMiddleware",
    # First: the time and database queries of the whole request, by view (/metrics).
    "core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A visitor who just wrote reads from the primary, not the replica (core/replica.py).
    "core.replica.RecentWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL byte in any query or form value, or an overlong URL, is a 400/414 before any view.
    "core.request_input.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # After allauth's: staff, org admins and region admins use no page until 2FA is set up.
    "accounts.middleware.RequireMFAMiddleware",
    # The login pages' forms may go on to the configured identity providers (CSP form-action).
    "accounts.identity.ProviderFormActionMiddleware",
    # Last: a POST under /api/ with an Idempotency-Key is answered once (accounts.idempotency).
    "accounts.idempotency.IdempotencyMiddleware",
    # After everything about the visitor is known: public pages from what they answered last
    # time, until their data or the clock changes them (core/public_cache.py).
    "core.public_cache.PublicCacheMiddleware",
]

FORM_RENDERER = "core.forms.KernFormRenderer"
# The CSV import's confirm step sends the checked file (up to 5 MB) back as a form field.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# SQLite is the embedded default. IMMEDIATE makes every write transaction take the write lock
# at BEGIN, so the lock-check-write services are serialized there just as select_for_update()
# serializes them on PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Short OLTP queries: PostgreSQL's JIT compiles for longer than they run (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")


def behind_pgbouncer(database: dict) -> None:
    """PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer) hands each transaction any
    server connection: no server-side cursors (one would live in another connection than its
    next fetch), and no startup options, which PgBouncer refuses (set jit off on the database
    instead: ALTER DATABASE … SET jit = off). The app keeps no other session state."""
    if env("DATABASE_POOLER", default="") == "pgbouncer":
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database.get("OPTIONS", {}).pop("options", None)


behind_pgbouncer(DATABASES["default"])

# A streaming replica (hot standby) of the primary, for the heavy read-only work: reports,
# open data, the public catalog (core/replica.py says what reads from it and when not).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"].get("CONN_MAX_AGE", 0),
        CONN_HEALTH_CHECKS=True,
        TEST={"MIRROR": "default"},
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).update({"connect_timeout": 3})
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Seconds a visitor reads from the primary after a write; seconds before a replica that did
# not answer is tried again.
LERNPOOL_REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
LERNPOOL_REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# allauth's German, in the formal Sie form; `make messages` never touches this folder.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files: everything is served by the installation itself ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# The operator's videos in German Sign Language (DGS) for /gebaerdensprache/: <topic>.mp4 and
# its German captions <topic>.vtt (topics: config.views.EASY_READ_TOPICS).
LERNPOOL_SIGN_LANGUAGE_VIDEO_DIR = Path(
    env("SIGN_LANGUAGE_VIDEO_DIR", default=str(Path(str(MEDIA_ROOT)) / "gebaerdensprache"))
)

# --- Accounts (django-allauth) -------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "start"  # config.start_views: each role's own start page
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so that an operator sees them.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lernpool] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Email changes (and, by allauth's default, every 2FA change) need a login in the last
# ACCOUNT_REAUTHENTICATION_TIMEOUT seconds (allauth's default: 5 minutes).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# allauth remembers a used TOTP code in the cache (the database cache below, shared by every
# process) for one period and refuses it a second time.
MFA_TOTP_ISSUER = "Lernpool"
# Refuses to switch off 2FA for those who need it (accounts/mfa.py).
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# The session list shows the IP address and browser of each login, as recorded at login.
# Tracking activity would write IP, browser and time on every request: more personal data
# kept, and a database write per page, for a "last seen" column nobody needs to end a session.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Single sign-on (OpenID Connect, allauth's openid_connect provider) ----------------------
# Identity providers are allauth "social applications" of the provider openid_connect: in the
# Django admin, or here from OIDC_PROVIDERS (a JSON list; README "Single sign-on"). Each app's
# settings hold server_url and scope (allauth's) and "lernpool": the organizations it serves,
# which amr/acr values count as 2FA, and the claim-to-role mapping (accounts/identity.py).
SOCIALACCOUNT_ADAPTER = "accounts.identity.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": env.json("OIDC_PROVIDERS", default=[]),
    }
}
# An existing account is never taken over through an email address a provider claims: the
# person logs in with their password first and links the provider on the account page.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
# An address the provider has not verified (email_verified) is confirmed by email first.
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_EMAIL_REQUIRED = True
# No access or refresh tokens are kept: Lernpool needs only the login.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False

# --- Email -----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Lernpool <lernpool@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Django 6.1's mailers; the demo prints every email to the console.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- Background work (django.tasks) -------------------------------------------------------
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- Cache: the database cache is shared by every app process (rate limits need that) --
# core.cache's writes one statement each on PostgreSQL (the API's rate limits write on every
# request); otherwise Django's own.
CACHES = {
    "default": {
        "BACKEND": "core.cache.DatabaseCache",
        "LOCATION": "lernpool_cache",
    }
}

# --- Security --------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# --- The operator of this installation (imprint, privacy notice, footer) -----------------
LERNPOOL_OPERATOR = {
    "name": env("OPERATOR_NAME", default="Stadt Aschaffenburg"),
    "region": env("REGION_NAME", default="Aschaffenburg und Miltenberg"),
    "address": env("OPERATOR_ADDRESS", default="Dalbergstraße 15, 63739 Aschaffenburg"),
    "email": env("OPERATOR_EMAIL", default="lernpool@example.org"),
    "phone": env("OPERATOR_PHONE", default=""),
    "privacy_officer": env("OPERATOR_PRIVACY_OFFICER", default=""),
    # A static file's path (e.g. "img/operator-logo.svg"), shown on reports; none by default.
    "logo": env("OPERATOR_LOGO", default=""),
}

# The accessibility statement (/accessibility/): whether Lernpool is fully or partially
# conformant, when the operator last reviewed the statement, and the enforcement body people
# can turn to when the operator does not answer (BayBITV: the Bavarian one by default).
LERNPOOL_ACCESSIBILITY = {
    "status": env("ACCESSIBILITY_STATUS", default="partial"),
    "reviewed": datetime.date.fromisoformat(env("ACCESSIBILITY_REVIEWED", default="2026-12-07")),
    "enforcement_name": env(
        "ENFORCEMENT_BODY_NAME",
        default=(
            "Durchsetzungs- und Überwachungsstelle für barrierefreie Informationstechnik "
            "am Landesamt für Digitalisierung, Breitband und Vermessung (LDBV)"
        ),
    ),
    "enforcement_address": env(
        "ENFORCEMENT_BODY_ADDRESS", default="Alexandrastraße 4, 80538 München"
    ),
    "enforcement_email": env("ENFORCEMENT_BODY_EMAIL", default=""),
    "enforcement_url": env("ENFORCEMENT_BODY_URL", default="https://www.ldbv.bayern.de/"),
}
if LERNPOOL_ACCESSIBILITY["status"] not in ("full", "partial"):
    raise ImproperlyConfigured("ACCESSIBILITY_STATUS must be 'full' or 'partial'.")

# The public address of this installation, for links in emails and calendar feeds.
LERNPOOL_SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# /metrics answers only to these networks (Prometheus), and only to requests that did not
# come through the reverse proxy. /readyz is "not ready" when a ready task has waited longer
# than READY_TASK_AGE_LIMIT seconds (config/monitoring.py).
LERNPOOL_METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]
)
LERNPOOL_READY_TASK_AGE_LIMIT = env.int("READY_TASK_AGE_LIMIT", default=600)

# API rate limits (core/throttling.py) as "<requests>/<s|m|h|d>": every API request per client
# address, requests with a token or session per token or person, and the open-data
# statistics (API and CSV) per address. TRUSTED_PROXY_COUNT: how many proxies add to X-Forwarded-For
# in front of the app (0: the client talks to the app directly; prod.py: 1).
LERNPOOL_API_RATES = {
    "address": env("API_RATE_PER_ADDRESS", default="300/m"),
    "token": env("API_RATE_PER_TOKEN", default="120/m"),
    "open_data": env("API_RATE_OPEN_DATA", default="30/m"),
}
NINJA_NUM_PROXIES = env.int("TRUSTED_PROXY_COUNT", default=0)

# `manage.py backup`: where the daily pg_dump goes, and for how many days backups are kept.
LERNPOOL_BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")
LERNPOOL_BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=14)

# The PDFs' fonts unpacked from WOFF2 once per machine, not once per process (core.html_pdf).
LERNPOOL_PDF_FONT_CACHE_DIR = env.path(
    "PDF_FONT_CACHE_DIR", default=BASE_DIR / ".cache" / "pdf-fonts"
)

# Locks in booking.services; only tests/concurrency turns them off, to show the race.
LERNPOOL_BOOKING_LOCKS = True

# The licence of the open data (anonymised statistics and the course catalog).
LERNPOOL_OPEN_DATA_LICENSE = {
    "name": env("OPEN_DATA_LICENSE_NAME", default="CC BY 4.0"),
    "url": env("OPEN_DATA_LICENSE_URL", default="https://creativecommons.org/licenses/by/4.0/"),
}
# How long the open-data statistics are cached (seconds).
LERNPOOL_OPEN_DATA_CACHE_SECONDS = env.int("OPEN_DATA_CACHE_SECONDS", default=3600)
# How long a report built in the background is kept for download.
LERNPOOL_REPORT_DAYS = env.int("REPORT_DAYS", default=30)
# Whether this installation is a demo: the demo app (`manage.py seed_demo`, `demo_code` and the
# demo region's data) is installed and may create the demo region and its public demo logins.
# On by default (development, tests, the README's first command); prod.py turns it off.
LERNPOOL_DEMO = env.bool("LERNPOOL_DEMO", default=True)
if LERNPOOL_DEMO:
    INSTALLED_APPS.append("demo")

# How long personal data is kept. `manage.py apply_retention` (daily) applies these, and the
# privacy notice is generated from them, so the two cannot disagree.
LERNPOOL_RETENTION = {
    # Days after a loan was returned or a reservation ended before the person is unlinked
    # from it (the row stays, anonymous, for the statistics) ...
    "bookings_days": env.int("RETENTION_BOOKINGS_DAYS", default=90),
    # ... which an organization may change within these limits.
    "bookings_min_days": env.int("RETENTION_BOOKINGS_MIN_DAYS", default=30),
    "bookings_max_days": env.int("RETENTION_BOOKINGS_MAX_DAYS", default=365),
    # Days after a course's last date during which certificates can be downloaded; then the
    # enrolments are unlinked from the people.
    "courses_days": env.int("RETENTION_COURSES_DAYS", default=365),
    # Accounts not used for this many days are deleted, after a warning this many days before.
    "inactive_days": env.int("RETENTION_INACTIVE_DAYS", default=730),
    "inactive_warning_days": env.int("RETENTION_INACTIVE_WARNING_DAYS", default=14),
    # Days the audit log (ids only, no personal data) is kept.
    "audit_days": env.int("RETENTION_AUDIT_DAYS", default=730),
    # Days between staff recording a person's request to delete their account (the person is
    # emailed then) and the daily job deleting it; the person may object in between.
    "erasure_grace_days": env.int("ERASURE_GRACE_DAYS", default=7),
}

# Every handler hides email addresses ("[email]"): logs are kept longer and read by more
# people than the data itself. Django's own loggers go through the root handler.
LERNPOOL_LOG_FORMAT = env("LOG_FORMAT", default="text")
if LERNPOOL_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_emails": {"()": "core.logging.RedactEmailAddresses"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_emails"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_emails"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without Django's default handlers (an unfiltered console and mail_admins): through
        # the root's filtered console instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's request lines carry query strings (a search for an email address).
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint's progress and its font unpacking talk at INFO level on every PDF.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if LERNPOOL_LOG_FORMAT == "json":
    # JSON lines (core/logging.py): one event per request and per task. The task event has
    # the outcome and any traceback, so Django's own lines about each task are left out.
    for handler in LOGGING["handlers"].values():
        handler["formatter"] = "json"
    LOGGING["loggers"]["django.tasks"] = {"level": "CRITICAL"}
