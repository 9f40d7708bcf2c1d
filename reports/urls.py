from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("view/", views.report, name="report"),
    path("view/report.pdf", views.report_pdf, name="pdf"),
    path("view/report.csv", views.report_csv, name="csv"),
    path("view/report.zip", views.report_zip, name="zip"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/report/", views.run_html, name="run_html"),
    path("runs/<int:pk>/report.pdf", views.run_pdf, name="run_pdf"),
    path("runs/<int:pk>/report.csv", views.run_csv, name="run_csv"),
    path("runs/<int:pk>/report.zip", views.run_zip, name="run_zip"),
    path("subscribe/", views.subscribe, name="subscribe"),
]
