"""Lending to residents: the pools, reserving, my loans, waiting lists, agreements."""

from django.urls import path

from . import views

app_name = "lending"

urlpatterns = [
    path("lending/", views.pools, name="pools"),
    path("lending/<int:pk>/", views.pool, name="pool"),
    path("lending/<int:pk>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("lending/<int:pk>/waitlist/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("lending/reservations/<int:pk>/", views.reservation, name="reservation"),
    path("lending/reservations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("lending/agreements/<int:pk>/", views.agreement, name="agreement"),
    path("loans/", views.my_loans, name="my_loans"),
    path("loans/<int:pk>/renew/", views.renew, name="renew"),
]
