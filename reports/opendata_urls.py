from django.urls import path

from . import opendata_views as views

app_name = "opendata"

urlpatterns = [
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
]
