from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("data/", views.my_data, name="my_data"),
    path("data.json", views.my_data_json, name="my_data_json"),
    path("data/keep/", views.keep_account, name="keep_account"),
    path("delete/", views.delete, name="delete"),
    path("logged-out/", views.provider_logout, name="provider_logout"),
]
