from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/hours/", views.hours_edit, name="hours"),
]
