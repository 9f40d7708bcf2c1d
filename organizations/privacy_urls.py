"""Staff answering a person's request about their data (export on their behalf, erasure)."""

from django.urls import path

from . import privacy_views as views

app_name = "privacy_requests"

urlpatterns = [
    path("", views.index, name="index"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/data.json", views.person_data, name="person_data"),
    path("people/<int:pk>/erase/", views.person_erase, name="person_erase"),
]
