"""A course's page (with its JSON-LD and .ics), enrolling and cancelling, "my courses", and
the public certificate check. Pages are requested in English."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses.models import Attendance, Certificate, Enrollment
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def at(days: int, hour: int = 18) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def course_on(*days: int, **values):
    course = CourseFactory(**values)
    for day in days:
        MeetingFactory(course=course, start=at(day), end=at(day) + datetime.timedelta(minutes=90))
    return course


@pytest.fixture
def provider(organization):
    organization.email = "kurse@kronberg.example"
    organization.phone = "06021 123456"
    organization.save()
    return organization


@pytest.fixture
def course(provider):
    venue = LocationFactory(
        organization=provider,
        name="Medienraum 1.12",
        street="Kronbergstraße 5",
        step_free=True,
        accessibility_notes="Aufzug am Haupteingang.",
    )
    return course_on(
        7,
        14,
        21,
        organization=provider,
        location=venue,
        title="Sicher online bezahlen",
        prerequisites="Ein eigenes Smartphone.",
        topic="online_banking",
        language="de",
        capacity=2,
        questions="Bringen Sie ein eigenes Gerät mit?\nWelches Betriebssystem?",
    )


def jsonld(response) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# --- the course page -----------------------------------------------------------------------


def test_the_page_shows_what_who_when_where_and_the_provider(client, course):
    response = client.get(course.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Sicher online bezahlen",
        "Einstellungen, Apps, Fotos",  # the description
        "Seniors",
        "Ein eigenes Smartphone.",
        "Beginners",
        "German",
        "2 seats left",
        "Medienraum 1.12",
        "Kronbergstraße 5",
        "Step-free access.",
        "Aufzug am Haupteingang.",
        "kurse@kronberg.example",
        "06021 123456",
    ):
        assert text in html, text
    for meeting in course.meetings.all():
        assert timezone.localtime(meeting.start).strftime("%H:%M") in html
    assert html.count("<tr>") == 1 + 3  # header and three dates
    assert reverse("courses:ics", args=[course.pk]) in html


def test_the_page_carries_schema_org_json_ld(client, course):
    data = jsonld(client.get(course.get_absolute_url()))
    assert data["@type"] == "Course"
    assert data["name"] == "Sicher online bezahlen"
    assert data["provider"] == {
        "@type": "Organization",
        "name": "Kronberg-Gymnasium",
        "url": f"{settings.LERNPOOL_SITE_URL}/organizations/kronberg-gymnasium/",
        "email": "kurse@kronberg.example",
        "telephone": "06021 123456",
    }
    (instance,) = data["hasCourseInstance"]
    assert instance["@type"] == "CourseInstance"
    assert instance["courseMode"] == "onsite"
    assert instance["inLanguage"] == "de"
    assert datetime.datetime.fromisoformat(instance["startDate"]) == at(7)
    assert datetime.datetime.fromisoformat(instance["endDate"]) == at(21) + datetime.timedelta(
        minutes=90
    )
    assert instance["location"]["@type"] == "Place"
    assert instance["location"]["name"] == "Medienraum 1.12"
    assert instance["location"]["address"]["streetAddress"] == "Kronbergstraße 5"
    assert instance["offers"]["price"] == "0.00"
    assert instance["offers"]["priceCurrency"] == "EUR"


def test_no_text_of_a_course_can_break_out_of_the_json_ld(client, course):
    course.title = "</script><script>alert(1)</script> & more"
    course.save()
    response = client.get(course.get_absolute_url())
    assert "<script>alert(1)" not in response.content.decode()
    assert jsonld(response)["name"] == course.title


def test_a_cancelled_course_is_public_and_says_so(client, course):
    course.status = "cancelled"
    course.cancel_reason = "Die Kursleiterin ist erkrankt."
    course.save()
    html = client.get(course.get_absolute_url()).content.decode()
    assert "This course has been cancelled." in html
    assert "Die Kursleiterin ist erkrankt." in html
    assert 'action="/courses/' not in html.split('id="enrolment"')[1].split("</section>")[0]


def test_a_draft_is_404_for_the_public_and_other_providers_but_shown_to_its_staff(
    client, course, staff, outsider, resident
):
    course.status = "draft"
    course.save()
    url = course.get_absolute_url()
    assert client.get(url).status_code == 404
    for person in (outsider, resident):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.get(reverse("courses:ics", args=[course.pk])).status_code == 404
        assert client.post(reverse("courses:enrol", args=[course.pk])).status_code == 404
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert "Draft: only your organization's staff can see this page." in response.content.decode()


def test_an_unknown_course_is_404(client):
    assert client.get(reverse("courses:detail", args=[999999])).status_code == 404


def test_anonymous_people_are_asked_to_log_in_or_sign_up_and_come_back(client, course):
    html = client.get(course.get_absolute_url()).content.decode()
    back = f"?next=/courses/{course.pk}/"
    assert f'href="/accounts/login/{back}"' in html
    assert f'href="/accounts/signup/{back}"' in html
    assert "Log in to enrol" in html


def test_the_ics_has_every_meeting(client, course):
    response = client.get(reverse("courses:ics", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [event.decoded("dtstart") for event in events] == [at(7), at(14), at(21)]
    assert all(str(event["summary"]) == "Sicher online bezahlen" for event in events)


def test_the_course_page_and_ics_refuse_writes(client, course):
    assert client.post(course.get_absolute_url()).status_code == 405
    assert client.post(reverse("courses:ics", args=[course.pk])).status_code == 405


# --- enrolling -----------------------------------------------------------------------------


def enrol(client, course, **answers):
    return client.post(reverse("courses:enrol", args=[course.pk]), answers, follow=True)


def test_a_resident_enrols_with_answers_and_sees_a_seat(client, course, resident):
    client.force_login(resident)
    form_html = client.get(course.get_absolute_url()).content.decode()
    assert "Bringen Sie ein eigenes Gerät mit?" in form_html
    response = enrol(client, course, answer_1="Ja, ein iPhone", answer_2="")
    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    html = response.content.decode()
    assert "You are enrolled." in html
    assert "Cancel my enrolment" in html
    enrollment = Enrollment.objects.get(course=course, user=resident)
    assert enrollment.status == "confirmed"
    assert enrollment.answers["Bringen Sie ein eigenes Gerät mit?"] == "Ja, ein iPhone"


def test_when_the_course_is_full_people_join_the_waiting_list_with_their_number(client, course):
    EnrollmentFactory.create_batch(2, course=course)
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=timezone.now())
    person = UserFactory()
    client.force_login(person)
    assert "Join the waiting list" in client.get(course.get_absolute_url()).content.decode()
    html = enrol(client, course).content.decode()
    assert "You are on the waiting list, number 2." in html
    assert "You are number 2 on the waiting list." in html
    assert Enrollment.objects.get(user=person).status == "waitlisted"


def test_enrolling_twice_says_so_and_writes_nothing(client, course, resident):
    client.force_login(resident)
    enrol(client, course)
    response = client.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 400
    assert "You are enrolled in this course already." in response.content.decode()
    assert Enrollment.objects.filter(user=resident).count() == 1


@pytest.mark.parametrize("change", ["cancelled", "closed", "not_yet"])
def test_closed_registration_says_why_and_enrolling_anyway_writes_nothing(
    client, course, resident, change
):
    if change == "cancelled":
        course.status = "cancelled"
        expected = "This course has been cancelled."
    elif change == "closed":
        course.registration_closes = timezone.now() - datetime.timedelta(hours=1)
        expected = "Registration for this course has closed."
    else:
        course.registration_opens = timezone.now() + datetime.timedelta(days=2)
        expected = "Registration has not opened yet."
    course.save()
    client.force_login(resident)
    page = client.get(course.get_absolute_url()).content.decode()
    assert expected in page
    assert reverse("courses:enrol", args=[course.pk]) not in page
    response = client.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 400
    assert "Please correct the following:" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_draft_cannot_be_enrolled_in_even_by_its_staff(client, course, staff):
    course.status = "draft"
    course.save()
    client.force_login(staff)
    response = client.post(reverse("courses:enrol", args=[course.pk]))
    assert response.status_code == 400
    assert not Enrollment.objects.exists()


def test_a_too_long_answer_is_refused(client, course, resident):
    client.force_login(resident)
    response = client.post(reverse("courses:enrol", args=[course.pk]), {"answer_1": "x" * 201})
    assert response.status_code == 400
    assert 'id="id_answer_1_error"' in response.content.decode()
    assert not Enrollment.objects.exists()


def test_enrolling_needs_a_login_and_a_post(client, course, resident):
    url = reverse("courses:enrol", args=[course.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(resident)
    assert client.get(url).status_code == 405
    assert not Enrollment.objects.exists()


# --- cancelling ----------------------------------------------------------------------------


def test_cancelling_frees_the_seat_for_the_first_waiting(client, course, resident):
    EnrollmentFactory(course=course)
    client.force_login(resident)
    enrol(client, course)
    waiting = EnrollmentFactory(
        course=course, status="waitlisted", waitlisted_at=timezone.now(), confirmed_at=None
    )
    response = client.post(reverse("courses:cancel", args=[course.pk]), follow=True)
    done = f"You are no longer enrolled in the course “{course.title}”."
    assert done in response.content.decode()
    assert Enrollment.objects.get(user=resident).status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_cancelling_after_the_deadline_says_why(client, course, resident):
    EnrollmentFactory(course=course, user=resident)
    course.cancellation_deadline = timezone.now() - datetime.timedelta(minutes=1)
    course.save()
    client.force_login(resident)
    page = client.get(course.get_absolute_url()).content.decode()
    assert "The deadline for cancelling has passed." in page
    response = client.post(reverse("courses:cancel", args=[course.pk]), follow=True)
    assert "You could cancel until" in response.content.decode()
    assert Enrollment.objects.get(user=resident).status == "confirmed"


def test_cancelling_without_an_enrolment_is_404(client, course, resident):
    client.force_login(resident)
    url = reverse("courses:cancel", args=[course.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert client.put(url).status_code == 405


def test_cancelling_goes_back_to_a_page_of_this_site_only(client, course, resident):
    EnrollmentFactory(course=course, user=resident)
    client.force_login(resident)
    url = reverse("courses:cancel", args=[course.pk])
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == course.get_absolute_url()


# --- my courses ----------------------------------------------------------------------------


def test_my_courses_lists_upcoming_and_past_with_attendance_and_certificate(
    client, course, resident
):
    EnrollmentFactory(course=course, user=resident)
    full = course_on(10, title="Ausgebucht", capacity=1)
    EnrollmentFactory(course=full)
    EnrollmentFactory(course=full, user=resident, status="waitlisted", waitlisted_at=timezone.now())
    past = course_on(-20, -13, title="Word für Einsteiger")
    done = EnrollmentFactory(course=past, user=resident)
    first = past.meetings.first()
    Attendance.objects.create(enrollment=done, meeting=first, present=True)
    Certificate.objects.create(
        enrollment=done,
        code="ABCDEFGH23",
        holder_name=resident.name,
        course_title=past.title,
        provider_name=past.organization.name,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        hours=Decimal("3.0"),
    )
    EnrollmentFactory(course=course_on(30, title="Nicht für mich"))
    client.force_login(resident)
    response = client.get(reverse("courses:my_courses"))
    html = response.content.decode()
    upcoming, past_part = html.split('id="past-heading"')
    assert "Sicher online bezahlen" in upcoming and "Enrolled" in upcoming
    assert "Ausgebucht" in upcoming and "Waiting list, number 1" in upcoming
    assert "Word für Einsteiger" in past_part
    assert "1 of 2 meetings" in past_part
    assert "/certificates/ABCDEFGH23/" in past_part
    assert "Nicht für mich" not in html


def test_finished_courses_say_attended_or_not_from_the_attendance_taken(client, resident):
    def finished(title: str, *present: bool) -> None:
        course = course_on(-20, -13, title=title)
        enrollment = EnrollmentFactory(course=course, user=resident)
        for meeting, here in zip(course.meetings.order_by("start"), present, strict=False):
            Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=here)

    finished("Beide Male da", True, True)
    finished("Einmal da", False, True)
    finished("Nie da", False, False)
    finished("Nicht erfasst")  # the provider took no attendance
    cancelled = course_on(-20, title="Abgemeldet")
    EnrollmentFactory(course=cancelled, user=resident, status="cancelled")
    client.force_login(resident)
    html = client.get(reverse("courses:my_courses")).content.decode()
    past = html.split('id="past-heading"')[1]
    rows = {
        title: row
        for row in past.split("<tr>")[1:]
        for title in ("Beide Male da", "Einmal da", "Nie da", "Nicht erfasst", "Abgemeldet")
        if title in row
    }
    assert "Enrolled" not in past  # a finished course never says "Angemeldet"
    assert "attended" in rows["Beide Male da"] and "did not attend" not in rows["Beide Male da"]
    assert "attended" in rows["Einmal da"] and "did not attend" not in rows["Einmal da"]
    assert "did not attend" in rows["Nie da"]
    assert "attendance not recorded" in rows["Nicht erfasst"]
    assert "Cancelled" in rows["Abgemeldet"]


def test_upcoming_courses_have_their_cancel_action_in_the_card(client, course, resident):
    EnrollmentFactory(course=course, user=resident)
    client.force_login(resident)
    html = client.get(reverse("courses:my_courses")).content.decode()
    upcoming = html.split('id="past-heading"')[0]
    row = upcoming.split("<tr>")[2]  # after the header row
    assert 'data-label="Status"' in row and "Enrolled" in row
    assert 'data-label="Actions"' in row
    assert f"/courses/{course.pk}/cancel/?next=/my-courses/" in row
    assert "stack-on-phone" in upcoming  # rows become cards on a phone


def test_my_courses_needs_a_login(client):
    response = client.get(reverse("courses:my_courses"))
    assert response.status_code == 302
    assert client.post(reverse("courses:my_courses")).status_code in (302, 405)


@pytest.mark.parametrize("count", [3, 300])
def test_my_courses_needs_the_same_few_queries_for_3_and_300(
    client, resident, django_assert_max_num_queries, count
):
    organization = OrganizationFactory()
    for number in range(count):
        course = course_on(number % 40 - 20, organization=organization)
        status = "waitlisted" if number % 3 == 0 else "confirmed"
        EnrollmentFactory(
            course=course,
            user=resident,
            status=status,
            waitlisted_at=timezone.now() if status == "waitlisted" else None,
        )
    client.force_login(resident)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("courses:my_courses"))
    assert response.status_code == 200


# --- certificates --------------------------------------------------------------------------


@pytest.fixture
def certificate(course, resident):
    enrollment = EnrollmentFactory(course=course, user=resident)
    return Certificate.objects.create(
        enrollment=enrollment,
        code="K7M2P9QX4R",
        holder_name="Erika Mustermann",
        course_title="Sicher online bezahlen",
        provider_name="Kronberg-Gymnasium",
        first_day=datetime.date(2026, 3, 3),
        last_day=datetime.date(2026, 3, 17),
        hours=Decimal("4.5"),
        issued_at=timezone.make_aware(datetime.datetime(2026, 3, 20, 10)),
    )


def test_a_certificate_verifies_with_exactly_what_it_says(client, certificate, resident):
    response = client.get(reverse("courses:certificate_verify", args=["k7m2p9qx4r"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid." in html
    for text in (
        "Erika Mustermann",
        "Sicher online bezahlen",
        "Kronberg-Gymnasium",
        "03/03/2026",
        "03/17/2026",
        "4.5",
        "03/20/2026",
    ):
        assert text in html, text
    assert resident.email not in html
    assert "Bringen Sie" not in html


@pytest.mark.parametrize("code", ["UNKNOWN123", "nope", "a" * 40, "%00"])
def test_an_unknown_code_is_a_404_that_says_it_could_not_be_verified(client, certificate, code):
    response = client.get(f"/certificates/{code}/")
    assert response.status_code == 404
    assert "This certificate could not be verified." in response.content.decode()


def test_the_certificate_check_is_read_only(client, certificate):
    url = reverse("courses:certificate_verify", args=[certificate.code])
    assert client.post(url).status_code == 405


def test_a_course_in_plain_german_is_german_to_search_engines(client, course):
    type(course).objects.filter(pk=course.pk).update(language="de-simple")

    data = jsonld(client.get(course.get_absolute_url()))

    assert data["inLanguage"] == "de"
    assert data["hasCourseInstance"][0]["inLanguage"] == "de"


def test_in_german_enrolling_and_cancelling_say_it_is_about_the_course(
    client, course, resident, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(resident)
    assert "Sie sind für den Kurs angemeldet." in enrol(client, course).content.decode()
    response = client.post(reverse("courses:cancel", args=[course.pk]), follow=True)
    assert f"Sie sind vom Kurs „{course.title}“ abgemeldet." in response.content.decode()
