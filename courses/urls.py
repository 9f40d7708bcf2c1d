from django.urls import path

from . import views

app_name = "courses"

# Public catalog, course pages, enrolment, "my courses", certificate verification: views.py
urlpatterns = [
    path("courses/", views.catalog, name="catalog"),
    path("courses/<int:pk>/", views.detail, name="detail"),
    path("courses/<int:pk>.ics", views.course_ics, name="ics"),
    path("courses/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("my-courses/", views.my_courses, name="my_courses"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
]
