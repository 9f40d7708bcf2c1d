from django.urls import path

from . import provider_views as views

app_name = "provide"

# Providers (staff of the organization) run their courses: provider_views.py
urlpatterns = [
    path("manage/courses/", views.courses, name="courses"),
    path("manage/courses/new/", views.course_new, name="course_new"),
    path("manage/courses/<int:pk>/", views.course, name="course"),
    path("manage/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("manage/courses/<int:pk>/publish/", views.course_publish, name="course_publish"),
    path("manage/courses/<int:pk>/cancel/", views.course_cancel, name="course_cancel"),
    path("manage/courses/<int:pk>/copy/", views.course_copy, name="course_copy"),
    path("manage/courses/<int:pk>/meetings/", views.meetings_add, name="meetings_add"),
    path(
        "manage/courses/<int:pk>/meetings/<int:meeting_pk>/remove/",
        views.meeting_remove,
        name="meeting_remove",
    ),
    path(
        "manage/courses/<int:pk>/meetings/<int:meeting_pk>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path("manage/courses/<int:pk>/participants/", views.participants, name="participants"),
    path(
        "manage/courses/<int:pk>/participants.csv",
        views.participants_csv,
        name="participants_csv",
    ),
    path(
        "manage/courses/<int:pk>/participants/<int:enrollment_pk>/cancel/",
        views.enrollment_cancel,
        name="enrollment_cancel",
    ),
    path("manage/courses/<int:pk>/sign-in.pdf", views.sign_in_pdf, name="sign_in_pdf"),
    path("manage/courses/<int:pk>/certificates/", views.certificates, name="certificates"),
    path(
        "manage/courses/<int:pk>/certificates.pdf",
        views.certificates_pdf,
        name="certificates_pdf",
    ),
    path("manage/certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
]
