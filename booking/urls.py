from django.urls import path

from . import desk_views, views

app_name = "booking"

urlpatterns = [
    # Teachers (and anyone who may book): views.py
    path("pools/<int:pk>/week/", views.week, name="week"),
    path("pools/<int:pk>/book/", views.reserve, name="reserve"),
    path("pools/<int:pk>/book/check/", views.reserve_check, name="reserve_check"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("bookings/<int:pk>/", views.reservation_detail, name="reservation_detail"),
    path("bookings/<int:pk>/cancel/", views.reservation_cancel, name="reservation_cancel"),
    path("bookings/<int:pk>/restore/", views.reservation_restore, name="reservation_restore"),
    path("bookings/<int:pk>.ics", views.reservation_ics, name="reservation_ics"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    # Staff: desk_views.py
    path("desk/", desk_views.desk, name="desk"),
    path("desk/requests/", desk_views.requests, name="requests"),
    path("desk/requests/<int:pk>/", desk_views.request_decide, name="request_decide"),
    path("desk/reservations/<int:pk>/hand-out/", desk_views.hand_out, name="hand_out"),
    path("desk/loans/<int:pk>/", desk_views.loan_return, name="loan_return"),
    path("pools/<int:pk>/calendar/", desk_views.pool_calendar, name="pool_calendar"),
    path("calendar/pools/<int:pk>/<str:key>.ics", desk_views.pool_feed, name="pool_feed"),
]
