from django.urls import path

from . import log_views

app_name = "audit"

urlpatterns = [
    path("", log_views.index, name="index"),
    path("log.csv", log_views.export, name="export"),
]
