"""The library desk: residents, lending without a reservation, take-back by scan, agreements."""

from django.urls import path

from . import desk_views as views

app_name = "lending_desk"

urlpatterns = [
    path("desk/residents/", views.residents, name="residents"),
    path("desk/residents/<int:pk>/", views.resident, name="resident"),
    path("desk/residents/<int:pk>/card/", views.resident_card, name="resident_card"),
    path("desk/residents/<int:pk>/agreement/", views.resident_agreement, name="resident_agreement"),
    path("desk/residents/<int:pk>/lend/", views.resident_lend, name="resident_lend"),
    path("desk/return/", views.take_back, name="return"),
    path("desk/agreements/<int:pk>.pdf", views.agreement_pdf, name="agreement_pdf"),
]
