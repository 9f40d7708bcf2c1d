from django.urls import path

from . import views

app_name = "devices"

urlpatterns = [
    path("devices/", views.inventory, name="inventory"),
    path("devices/new/", views.device_new, name="device_new"),
    path("devices/import/", views.device_import, name="device_import"),
    path("devices/export.csv", views.device_export, name="device_export"),
    path("devices/labels.pdf", views.device_labels, name="device_labels"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/status/", views.device_status, name="device_status"),
    path("d/<str:code>", views.device_by_label, name="device_by_label"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/new/", views.pool_edit, name="pool_new"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/edit/", views.pool_edit, name="pool_edit"),
]
