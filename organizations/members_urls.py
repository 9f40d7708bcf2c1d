from django.urls import path

from . import members_views

app_name = "members"

urlpatterns = [
    path("", members_views.index, name="index"),
    path("add/", members_views.add, name="add"),
    path("<int:pk>/role/", members_views.change_role, name="change_role"),
    path("<int:pk>/remove/", members_views.remove, name="remove"),
]
