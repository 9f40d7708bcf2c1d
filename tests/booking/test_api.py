from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditLog
from accounts.services import create_api_token
from booking.models import Reservation
from devices.models import Device, DevicePool
from organizations.models import Role
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]

CSRF_TOKEN = "a" * 32  # a valid unmasked secret: used as the cookie and the header


# --- helpers ------------------------------------------------------------------------------


def api(user) -> Client:
    """A client that sends a personal API token of ``user`` with every request."""
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data, **kwargs):
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


def monday(hour: int, minute: int = 0, weeks: int = 1) -> datetime.datetime:
    """Monday in ``weeks`` weeks (1: next week) at a local wall-clock time, aware."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 * weeks - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def iso(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()


def make_pool(organization, devices: int = 5, **values) -> DevicePool:
    pool = DevicePoolFactory(organization=organization, **values)
    for _ in range(devices):
        DeviceFactory(pool=pool)
    return pool


def counts() -> tuple[int, int]:
    """Reservations, and the booking log entries."""
    return Reservation.objects.count(), AuditLog.objects.filter(
        action__startswith="booking."
    ).count()


def booking(pool, **values) -> dict:
    return {
        "pool_id": pool.pk,
        "quantity": 2,
        "start": iso(monday(8)),
        "end": iso(monday(9, 30)),
        "purpose": "Klasse 7b, Mathematik",
        **values,
    }


@pytest.fixture
def pool(organization):
    return make_pool(organization, name="iPad-Koffer 2", max_booking_hours=8)


@pytest.fixture
def region_pool(other_organization):
    return make_pool(other_organization, name="Laptopwagen", booking_scope="region")


# --- GET /pools/{id}/availability ---------------------------------------------------------


def availability(client, pool, start, end):
    return client.get(
        f"/api/v1/pools/{pool.pk}/availability", {"start": iso(start), "end": iso(end)}
    )


def test_availability_gives_the_free_count_for_each_interval_it_changes_in(teacher, pool):
    someone = UserFactory()
    ReservationFactory(pool=pool, user=someone, quantity=2, start=monday(8), end=monday(9, 30))
    ReservationFactory(pool=pool, user=someone, quantity=3, start=monday(9), end=monday(10))
    # back to back with the one before: never counted together
    ReservationFactory(pool=pool, user=someone, quantity=1, start=monday(10), end=monday(11))
    # neither a cancellation nor an open request holds devices
    ReservationFactory(pool=pool, quantity=5, start=monday(7), end=monday(12), status="cancelled")
    ReservationFactory(pool=pool, quantity=5, start=monday(7), end=monday(12), status="requested")

    response = availability(api(teacher), pool, monday(7), monday(12))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "pool_id": pool.pk,
        "capacity": 5,
        "intervals": [
            {"start": iso(monday(7)), "end": iso(monday(8)), "free": 5},
            {"start": iso(monday(8)), "end": iso(monday(9)), "free": 3},
            {"start": iso(monday(9)), "end": iso(monday(9, 30)), "free": 0},
            {"start": iso(monday(9, 30)), "end": iso(monday(10)), "free": 2},
            {"start": iso(monday(10)), "end": iso(monday(11)), "free": 4},
            {"start": iso(monday(11)), "end": iso(monday(12)), "free": 5},
        ],
    }
    assert "+0" in response.json()["intervals"][0]["start"]  # with the offset
    body = response.content.decode()
    assert someone.email not in body and "Klasse 7b" not in body  # no personal data


def test_availability_cuts_at_the_window_and_merges_what_is_short_anyway(teacher, pool):
    ReservationFactory(pool=pool, quantity=4, start=monday(8), end=monday(10))
    ReservationFactory(pool=pool, quantity=1, start=monday(9), end=monday(11))
    Device.objects.filter(pk__in=pool.devices.values("pk")[:2]).update(status="in_repair")

    response = availability(api(teacher), pool, monday(8, 30), monday(10, 30))

    # capacity 3: 4 and then 5 reserved are both "none free", one interval
    assert response.json() == {
        "pool_id": pool.pk,
        "capacity": 3,
        "intervals": [
            {"start": iso(monday(8, 30)), "end": iso(monday(10)), "free": 0},
            {"start": iso(monday(10)), "end": iso(monday(10, 30)), "free": 2},
        ],
    }


def test_availability_of_an_empty_pool_is_one_interval(teacher, pool):
    response = availability(api(teacher), pool, monday(0), monday(0, weeks=2))
    assert response.json()["intervals"] == [
        {"start": iso(monday(0)), "end": iso(monday(0, weeks=2)), "free": 5}
    ]


def test_availability_takes_any_offset_and_answers_in_local_time(teacher, pool):
    ReservationFactory(pool=pool, quantity=2, start=monday(8), end=monday(9))
    utc_start = monday(8).astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    response = api(teacher).get(
        f"/api/v1/pools/{pool.pk}/availability", {"start": utc_start, "end": iso(monday(9))}
    )
    assert response.status_code == 200
    assert response.json()["intervals"] == [
        {"start": iso(monday(8)), "end": iso(monday(9)), "free": 3}
    ]


def test_pools_shared_with_the_region_or_residents_are_public(client, organization, region_pool):
    lent = make_pool(organization, devices=2, name="Leih-Laptops", booking_scope="residents")
    for pool, capacity in ((region_pool, 5), (lent, 2)):
        response = availability(client, pool, monday(8), monday(9))
        assert response.status_code == 200, response.content
        assert response.json()["capacity"] == capacity


def test_a_members_only_or_inactive_pool_is_404_for_anonymous_callers(
    client, organization, pool, region_pool
):
    region_pool.is_active = False
    region_pool.save()
    closed = make_pool(OrganizationFactory(is_active=False), booking_scope="region")
    for hidden in (pool, region_pool, closed):
        response = availability(client, hidden, monday(8), monday(9))
        assert response.status_code == 404
        assert response.json()["detail"]
        assert hidden.name not in response.content.decode()


def test_an_outsider_gets_404_for_a_members_only_pool_but_sees_a_shared_one(
    outsider, resident, pool, region_pool
):
    for user in (outsider, resident):
        client = api(user)
        assert availability(client, pool, monday(8), monday(9)).status_code == 404
        assert availability(client, region_pool, monday(8), monday(9)).status_code == 200


def test_members_see_their_own_pool_by_session(client, teacher, pool):
    client.force_login(teacher)
    assert availability(client, pool, monday(8), monday(9)).status_code == 200


def test_a_wrong_token_is_401_not_anonymous(client, region_pool):
    response = client.get(
        f"/api/v1/pools/{region_pool.pk}/availability",
        {"start": iso(monday(8)), "end": iso(monday(9))},
        headers={"Authorization": "Bearer lp_made-up"},
    )
    assert response.status_code == 401


def test_an_unknown_pool_is_404(teacher):
    response = api(teacher).get(
        "/api/v1/pools/999999/availability", {"start": iso(monday(8)), "end": iso(monday(9))}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start": "2026-11-30T08:00:00", "end": "2026-11-30T10:00:00+01:00"}, "offset"),
        ({"start": "2026-11-30T08:00:00+01:00", "end": "2026-11-30T10:00:00"}, "offset"),
        ({"start": "2026-11-30T10:00:00+01:00", "end": "2026-11-30T08:00:00+01:00"}, "after"),
        ({"start": "2026-11-30T08:00:00+01:00", "end": "2026-11-30T08:00:00+01:00"}, "after"),
        ({"start": "2026-11-01T08:00:00+01:00", "end": "2026-12-03T08:00:00+01:00"}, "31 days"),
        ({"start": "9999-01-01T08:00:00+01:00", "end": "9999-01-01T10:00:00+01:00"}, "2100"),
        ({"start": "2026-11-30T08:00:00+01:00", "end": "9999-12-31T23:59:59-12:00"}, "2100"),
        ({"start": "0001-01-01T00:00:00+01:00", "end": "2026-11-30T10:00:00+01:00"}, "2000"),
        ({"start": "1764486000", "end": "1764493200"}, "ISO 8601"),
        ({"start": "morgen", "end": "2026-11-30T10:00:00+01:00"}, "ISO 8601"),
        ({"start": "2026-11-30T08:00:00+01:00"}, "end"),
        ({}, "start"),
    ],
)
def test_bad_times_for_availability_are_422_with_a_clear_message(teacher, pool, params, words):
    response = api(teacher).get(f"/api/v1/pools/{pool.pk}/availability", params)
    assert response.status_code == 422, response.content
    assert words in json.dumps(response.json()["detail"])


def test_a_bad_pool_id_for_availability_is_422(teacher):
    client = api(teacher)
    window = {"start": iso(monday(8)), "end": iso(monday(9))}
    assert client.get("/api/v1/pools/abc/availability", window).status_code == 422
    assert client.get(f"/api/v1/pools/{2**70}/availability", window).status_code == 422


def test_availability_is_read_only(teacher, pool):
    before = counts()
    response = post_json(api(teacher), f"/api/v1/pools/{pool.pk}/availability", {})
    assert response.status_code == 405
    assert counts() == before


@pytest.mark.parametrize("n", [3, 300])
def test_availability_takes_a_constant_number_of_queries(
    n, teacher, pool, django_assert_max_num_queries
):
    someone = UserFactory()
    Reservation.objects.bulk_create(
        Reservation(
            pool=pool,
            user=someone,
            quantity=1 + i % 3,
            start=monday(7) + datetime.timedelta(minutes=20 * i),
            end=monday(7) + datetime.timedelta(minutes=20 * i + 45),
        )
        for i in range(n)
    )
    client = api(teacher)
    end = monday(7) + datetime.timedelta(minutes=20 * n + 60)
    with django_assert_max_num_queries(6):
        response = availability(client, pool, monday(7), end)
    assert response.status_code == 200
    intervals = response.json()["intervals"]
    assert intervals[0]["start"] == iso(monday(7)) and intervals[-1]["end"] == iso(end)
    assert len(intervals) > n  # every start and end is a change


# --- POST /reservations -------------------------------------------------------------------


def test_a_teacher_books_devices_of_their_schools_pool(
    teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api(teacher), "/api/v1/reservations", booking(pool))

    assert response.status_code == 201, response.content
    reservation = Reservation.objects.get()
    assert response.json() == {
        "id": reservation.pk,
        "pool_id": pool.pk,
        "pool_name": "iPad-Koffer 2",
        "quantity": 2,
        "start": iso(monday(8)),
        "end": iso(monday(9, 30)),
        "purpose": "Klasse 7b, Mathematik",
        "status": "confirmed",
        "series_id": None,
    }
    assert (reservation.user, reservation.start, reservation.end) == (
        teacher,
        monday(8),
        monday(9, 30),
    )
    assert AuditLog.objects.filter(action="booking.reserved", actor=teacher).count() == 1
    assert [message.to for message in mailoutbox] == [[teacher.email]]


def test_a_teacher_of_another_school_sends_a_request_for_a_shared_pool(region_pool):
    teacher = MembershipFactory(role=Role.TEACHER).user
    response = post_json(api(teacher), "/api/v1/reservations", booking(region_pool))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    assert Reservation.objects.get().status == Reservation.Status.REQUESTED


def test_a_time_in_another_offset_is_the_same_instant(teacher, pool):
    start = monday(8).astimezone(datetime.timezone(datetime.timedelta(hours=-5)))
    response = post_json(
        api(teacher),
        "/api/v1/reservations",
        booking(pool, start=start.isoformat(), end=monday(9).astimezone(datetime.UTC).isoformat()),
    )
    assert response.status_code == 201, response.content
    assert response.json()["start"] == iso(monday(8))
    assert Reservation.objects.get().start == monday(8)


def test_purpose_is_optional_and_trimmed(teacher, pool):
    payload = booking(pool)
    del payload["purpose"]
    client = api(teacher)
    assert post_json(client, "/api/v1/reservations", payload).json()["purpose"] == ""
    response = post_json(
        client,
        "/api/v1/reservations",
        booking(pool, start=iso(monday(10)), end=iso(monday(11)), purpose="  Physik 9a "),
    )
    assert response.json()["purpose"] == "Physik 9a"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2030-01-07T08:00:00"}, "start"),  # naive
        ({"end": "2030-01-07T09:00:00"}, "end"),
        ({"start": "MONDAY_10", "end": "MONDAY_8"}, "after"),  # end before start
        ({"start": "MONDAY_8", "end": "MONDAY_8"}, "after"),  # zero length
        ({"start": "9999-01-04T08:00:00+01:00", "end": "9999-01-04T09:00:00+01:00"}, "2100"),
        ({"end": "9999-12-31T23:59:59-12:00"}, "2100"),
        ({"start": 1767772800}, "start"),  # a Unix timestamp is not ISO 8601
        ({"start": "nächsten Montag"}, "start"),
        ({"start": None}, "start"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": 10**6}, "quantity"),
        ({"pool_id": "1"}, "pool_id"),
        ({"pool_id": 0}, "pool_id"),
        ({"pool_id": 2**70}, "pool_id"),
        ({"purpose": "x" * 201}, "purpose"),
        ({"purpose": 7}, "purpose"),
    ],
)
def test_bad_input_for_a_booking_is_422_and_writes_nothing(teacher, pool, changes, field):
    moments = {"MONDAY_8": iso(monday(8)), "MONDAY_10": iso(monday(10))}
    changes = {key: moments.get(value, value) for key, value in changes.items()}
    payload = {
        key: value for key, value in {**booking(pool), **changes}.items() if value is not None
    }
    before = counts()

    response = post_json(api(teacher), "/api/v1/reservations", payload)

    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    assert counts() == before


@pytest.mark.parametrize("body", [[], "Montag", None, 42, [{"pool_id": 1}]])
def test_a_body_that_is_not_an_object_is_422_and_writes_nothing(teacher, pool, body):
    before = counts()
    response = post_json(api(teacher), "/api/v1/reservations", body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert counts() == before


def test_malformed_json_is_400_and_writes_nothing(teacher, pool):
    before = counts()
    response = api(teacher).post("/api/v1/reservations", "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert counts() == before


def test_more_devices_than_the_pool_has_is_409_and_writes_nothing(teacher, pool):
    before = counts()
    response = post_json(api(teacher), "/api/v1/reservations", booking(pool, quantity=6))
    assert response.status_code == 409
    assert "5" in response.json()["detail"]
    assert counts() == before


def test_too_few_free_is_409_with_the_free_count_and_writes_nothing(teacher, pool):
    ReservationFactory(pool=pool, quantity=4, start=monday(9), end=monday(10))
    before = counts()

    response = post_json(api(teacher), "/api/v1/reservations", booking(pool, quantity=2))

    assert response.status_code == 409
    assert response.json()["free"] == 1
    assert "1" in response.json()["detail"]
    assert counts() == before
    # back to back is fine
    response = post_json(
        api(teacher), "/api/v1/reservations", booking(pool, quantity=5, end=iso(monday(9)))
    )
    assert response.status_code == 201


def test_none_free_is_409_with_free_zero(teacher, pool):
    ReservationFactory(pool=pool, quantity=5, start=monday(8), end=monday(9))
    response = post_json(api(teacher), "/api/v1/reservations", booking(pool, quantity=1))
    assert response.status_code == 409
    assert response.json()["free"] == 0


def test_a_limit_of_the_pool_is_409_saying_what_is_allowed(teacher, organization):
    pool = make_pool(organization, max_booking_hours=2, per_person_limit=2)
    client = api(teacher)
    before = counts()

    response = post_json(
        client, "/api/v1/reservations", booking(pool, quantity=1, end=iso(monday(11)))
    )
    assert response.status_code == 409
    assert "2 hours" in response.json()["detail"]
    assert response.json().get("free") is None

    response = post_json(client, "/api/v1/reservations", booking(pool, quantity=3))
    assert response.status_code == 409
    assert "at most 2 devices" in response.json()["detail"]
    assert counts() == before


def test_a_time_that_has_begun_is_409_and_writes_nothing(teacher, pool):
    start = timezone.now() - datetime.timedelta(hours=1)
    before = counts()
    response = post_json(
        api(teacher),
        "/api/v1/reservations",
        booking(pool, start=iso(start), end=iso(start + datetime.timedelta(hours=2))),
    )
    assert response.status_code == 409
    assert "begun" in response.json()["detail"]
    assert counts() == before


def test_a_pool_the_caller_may_not_book_is_404_and_writes_nothing(
    outsider, resident, teacher, organization, pool, region_pool
):
    inactive = make_pool(organization, is_active=False)
    before = counts()
    for user, target in (
        (outsider, pool),  # members only, of another school
        (resident, pool),
        (resident, region_pool),  # shared with schools, not with residents
        (teacher, inactive),
    ):
        response = post_json(api(user), "/api/v1/reservations", booking(target))
        assert response.status_code == 404, (user, target)
        assert target.name not in response.content.decode()
    response = post_json(api(teacher), "/api/v1/reservations", booking(pool, pool_id=999999))
    assert response.status_code == 404
    assert counts() == before


def test_booking_needs_authentication(client, pool):
    before = counts()
    assert post_json(client, "/api/v1/reservations", booking(pool)).status_code == 401
    response = post_json(
        client,
        "/api/v1/reservations",
        booking(pool),
        headers={"Authorization": "Bearer lp_made-up"},
    )
    assert response.status_code == 401
    assert response.json()["detail"]
    assert counts() == before


def test_a_session_without_csrf_cannot_book(teacher, pool):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    before = counts()

    response = post_json(client, "/api/v1/reservations", booking(pool))

    assert response.status_code == 403
    assert counts() == before
    client.cookies["csrftoken"] = CSRF_TOKEN  # the control: with the token it works
    response = post_json(
        client, "/api/v1/reservations", booking(pool), headers={"X-CSRFToken": CSRF_TOKEN}
    )
    assert response.status_code == 201


def test_reservations_have_no_put_or_delete(teacher, pool):
    client = api(teacher)
    assert client.put("/api/v1/reservations").status_code == 405
    assert client.delete("/api/v1/reservations").status_code == 405


@pytest.mark.parametrize("n", [3, 300])
def test_booking_takes_a_constant_number_of_queries(
    n, teacher, pool, django_assert_max_num_queries
):
    someone = UserFactory()
    Reservation.objects.bulk_create(
        Reservation(
            pool=pool,
            user=someone,
            quantity=1,
            start=monday(7, weeks=2) + datetime.timedelta(hours=i),
            end=monday(7, weeks=2) + datetime.timedelta(hours=i, minutes=45),
        )
        for i in range(n)
    )
    client = api(teacher)
    # 8: the token with its person's 2FA rule, the service's transaction (a savepoint here)
    # with the lock of the pool that also checks who may book it (the API's 404 outside the
    # caller's scope) and reads its organization, its devices in service and whether the
    # caller is a member (confirmed or requested), one for the opening calendar (a school
    # without hours on record), booking.capacity.hold's one count of devices and reservations
    # (the pool's lock is the service's), the reservation and its log entry; one more for the
    # token's first use and one if the content type is not cached yet. The answer is the
    # reservation as written (no query).
    with django_assert_max_num_queries(10):
        response = post_json(client, "/api/v1/reservations", booking(pool))
    assert response.status_code == 201


# --- GET /reservations --------------------------------------------------------------------


def test_the_list_shows_only_my_own_reservations_earliest_first(teacher, pool, staff):
    later = ReservationFactory(pool=pool, user=teacher, start=monday(10), end=monday(11))
    earlier = ReservationFactory(
        pool=pool, user=teacher, start=monday(8), end=monday(9), status="cancelled"
    )
    ReservationFactory(pool=pool, user=staff, start=monday(8), end=monday(9))

    response = api(teacher).get("/api/v1/reservations")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [earlier.pk, later.pk]
    assert body["items"][0] == {
        "id": earlier.pk,
        "pool_id": pool.pk,
        "pool_name": pool.name,
        "quantity": 1,
        "start": iso(monday(8)),
        "end": iso(monday(9)),
        "purpose": "Klasse 7b, Mathematik",
        "status": "cancelled",
        "series_id": None,
    }
    assert staff.email not in response.content.decode()


def test_staff_do_not_see_others_bookings_of_their_pools_in_their_own_list(staff, teacher, pool):
    ReservationFactory(pool=pool, user=teacher)
    assert api(staff).get("/api/v1/reservations").json() == {"items": [], "count": 0}


def test_the_list_filters_upcoming_and_past(teacher, pool):
    now = timezone.now()
    past = ReservationFactory(
        pool=pool,
        user=teacher,
        start=now - datetime.timedelta(days=2),
        end=now - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
    )
    running = ReservationFactory(
        pool=pool,
        user=teacher,
        start=now - datetime.timedelta(minutes=30),
        end=now + datetime.timedelta(minutes=30),
    )
    coming = ReservationFactory(pool=pool, user=teacher)
    client = api(teacher)

    def ids(**params):
        response = client.get("/api/v1/reservations", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [past.pk, running.pk, coming.pk]
    assert ids(upcoming="true") == [running.pk, coming.pk]
    assert ids(upcoming="false") == [past.pk]


def test_the_list_pages(teacher, pool):
    for hour in range(8, 13):
        ReservationFactory(pool=pool, user=teacher, start=monday(hour), end=monday(hour, 45))
    response = api(teacher).get("/api/v1/reservations", {"limit": 2, "offset": 2})
    assert response.json()["count"] == 5
    assert [item["start"] for item in response.json()["items"]] == [
        iso(monday(10)),
        iso(monday(11)),
    ]


@pytest.mark.parametrize(
    "params", [{"upcoming": "vielleicht"}, {"limit": "0"}, {"limit": "501"}, {"offset": "-1"}]
)
def test_a_bad_list_filter_is_422(teacher, params):
    response = api(teacher).get("/api/v1/reservations", params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_the_list_needs_authentication(client, teacher, pool):
    ReservationFactory(pool=pool, user=teacher)
    response = client.get("/api/v1/reservations")
    assert response.status_code == 401
    assert "Klasse" not in response.content.decode()


def test_the_list_accepts_a_session(client, teacher, pool):
    ReservationFactory(pool=pool, user=teacher)
    client.force_login(teacher)
    assert client.get("/api/v1/reservations").json()["count"] == 1


@pytest.mark.parametrize("n", [3, 300])
def test_the_list_takes_a_constant_number_of_queries(
    n, teacher, organization, django_assert_max_num_queries
):
    pools = [make_pool(organization, devices=0) for _ in range(3)]
    Reservation.objects.bulk_create(
        Reservation(
            pool=pools[i % 3],
            user=teacher,
            quantity=1,
            start=monday(8) + datetime.timedelta(hours=i),
            end=monday(8) + datetime.timedelta(hours=i, minutes=45),
        )
        for i in range(n)
    )
    client = api(teacher)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/reservations", {"limit": 500})
    assert response.json()["count"] == n
    assert len(response.json()["items"]) == n


# --- POST /reservations/{id}/cancel -------------------------------------------------------


def test_a_teacher_cancels_their_booking(teacher, pool):
    reservation = ReservationFactory(pool=pool, user=teacher)

    response = api(teacher).post(f"/api/v1/reservations/{reservation.pk}/cancel")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["id"] == reservation.pk
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert AuditLog.objects.filter(action="booking.cancelled", actor=teacher).count() == 1
    # the devices are free again
    free = availability(api(teacher), pool, reservation.start, reservation.end).json()
    assert free["intervals"][0]["free"] == 5


def test_someone_elses_booking_is_404_even_for_staff_of_the_pool(teacher, staff, outsider, pool):
    reservation = ReservationFactory(pool=pool, user=teacher)
    for user in (staff, outsider):
        response = api(user).post(f"/api/v1/reservations/{reservation.pk}/cancel")
        assert response.status_code == 404
        assert "Klasse" not in response.content.decode()
    assert api(teacher).post("/api/v1/reservations/999999/cancel").status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED


@pytest.mark.parametrize("status", ["cancelled", "declined"])
def test_an_inactive_booking_cannot_be_cancelled_again(teacher, pool, status):
    reservation = ReservationFactory(pool=pool, user=teacher, status=status)
    before = counts()
    response = api(teacher).post(f"/api/v1/reservations/{reservation.pk}/cancel")
    assert response.status_code == 409
    assert "no longer active" in response.json()["detail"]
    assert counts() == before


def test_a_booking_that_has_begun_cannot_be_cancelled(teacher, pool):
    now = timezone.now()
    reservation = ReservationFactory(
        pool=pool,
        user=teacher,
        start=now - datetime.timedelta(minutes=5),
        end=now + datetime.timedelta(hours=1),
    )
    response = api(teacher).post(f"/api/v1/reservations/{reservation.pk}/cancel")
    assert response.status_code == 409
    assert "begun" in response.json()["detail"]
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED


def test_cancelling_needs_authentication_and_post(client, teacher, pool):
    reservation = ReservationFactory(pool=pool, user=teacher)
    assert client.post(f"/api/v1/reservations/{reservation.pk}/cancel").status_code == 401
    assert api(teacher).get(f"/api/v1/reservations/{reservation.pk}/cancel").status_code == 405
    assert api(teacher).post("/api/v1/reservations/abc/cancel").status_code == 422
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED


def test_a_session_without_csrf_cannot_cancel(teacher, pool):
    reservation = ReservationFactory(pool=pool, user=teacher)
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    assert client.post(f"/api/v1/reservations/{reservation.pk}/cancel").status_code == 403
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_lists_the_booking_paths_with_every_status(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/pools/{pool_id}/availability", "get"): {"200", "401", "404", "422"},
        ("/api/v1/reservations", "post"): {"201", "400", "401", "403", "404", "409", "422"},
        ("/api/v1/reservations", "get"): {"200", "401", "422"},
        ("/api/v1/reservations/{reservation_id}/cancel", "post"): {
            "200",
            "401",
            "403",
            "404",
            "409",
            "422",
        },
    }
    for (path, method), statuses in expected.items():
        # 400 and 414 are declared on every operation (config.api, the request-input checks),
        # and 429 (core.throttling, the rate limits).
        assert set(paths[path][method]["responses"]) == statuses | {"400", "414", "429"}, (
            path,
            method,
        )
    conflict = paths["/api/v1/reservations"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    assert "free" in schema["components"]["schemas"]["Conflict"]["properties"]
    # the login is optional for availability, and the times are documented as date-times
    assert {} in paths["/api/v1/pools/{pool_id}/availability"]["get"]["security"]
    booking_in = schema["components"]["schemas"]["ReservationIn"]["properties"]
    assert booking_in["start"]["format"] == "date-time"
    assert booking_in["quantity"]["minimum"] == 1
