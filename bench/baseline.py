"""The ceiling for any page on this machine: a minimal Django project whose one page runs one
indexed query and renders a tiny template, with no middleware and no installed apps.

``bench/http_pages.py`` serves it with gunicorn next to Lernpool (the same number of workers,
the same database) and interleaves the two under the same load, so that a page's figure can
be read as a share of what Django and PostgreSQL can do here at all.

    DJANGO_SETTINGS_MODULE=bench.baseline DATABASE_URL=postgres://… \\
        gunicorn 'django.core.wsgi:get_wsgi_application()'
"""

from __future__ import annotations

import os

import environ
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.urls import path

env = environ.Env()

DEBUG = False
SECRET_KEY = "bench-baseline"  # a page that reads one row and keeps no secret
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = __name__
USE_TZ = True
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "tiny.html": (
                            '<!doctype html><html lang="de"><title>{{ name }}</title>'
                            "<h1>{{ name }}</h1><p>{{ district }}</p></html>"
                        )
                    },
                )
            ]
        },
    }
]


def page(request):
    """One indexed query (an organization by primary key), one tiny template."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, district_id FROM organizations_organization WHERE id = %s",
            [int(request.GET.get("id", 1))],
        )
        name, district = cursor.fetchone() or ("–", 0)
    template = engines["django"].get_template("tiny.html")
    return HttpResponse(template.render({"name": name, "district": district}))


urlpatterns = [path("", page)]
