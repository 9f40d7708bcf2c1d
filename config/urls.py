from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from . import monitoring, start_views, views
from .api import api

# The admin has no login of its own: the site's login (throttled, with 2FA) is the way in.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", start_views.start, name="start"),
    path("imprint/", views.imprint, name="imprint"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("leichte-sprache/", views.easy_read, name="easy_read"),
    path("gebaerdensprache/", views.sign_language, name="sign_language"),
    path(
        "gebaerdensprache/<slug:key>.mp4",
        views.sign_language_file,
        {"kind": "mp4"},
        name="sign_language_video",
    ),
    path(
        "gebaerdensprache/<slug:key>.vtt",
        views.sign_language_file,
        {"kind": "vtt"},
        name="sign_language_captions",
    ),
    path("language/", account_views.set_language, name="set_language"),
    path("account/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("organizations.urls")),
    path("", include("devices.urls")),
    path("", include("booking.urls")),
    path("", include("lending.urls")),
    path("", include("lending.desk_urls")),
    path("", include("courses.urls")),
    path("", include("courses.provider_urls")),
    path("reports/", include("reports.urls")),
    path("manage/log/", include("organizations.log_urls")),
    path("manage/members/", include("organizations.members_urls")),
    path("manage/privacy/", include("organizations.privacy_urls")),
    path("opendata/", include("reports.opendata_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("readyz", monitoring.readyz, name="readyz"),
    path("metrics", monitoring.metrics, name="metrics"),
]

handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
