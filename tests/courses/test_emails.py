"""Course emails: in the recipient's language (German by default), plain text and HTML, the
confirmation with an .ics of every meeting that calendar apps read. They go out as tasks
after the transaction commits."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import translation
from icalendar import Calendar

from courses import ical, services
from courses.models import Course, Enrollment
from tests.factories import EnrollmentFactory, MeetingFactory, UserFactory

from .conftest import NOW, at, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def english_resident(db):
    return UserFactory(preferred_language="en", name="Anna Schmitt")


@pytest.fixture
def german_resident(db):
    return UserFactory(name="Bernd Weber")  # German is the default


def enrol(person, course, capture, minutes=0):
    with capture(execute=True):
        return services.enrol(
            by=person, course=course, now=NOW + datetime.timedelta(minutes=minutes)
        )


def calendar_of(message) -> Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_a_confirmation_has_every_meeting_in_an_ics_file_that_calendars_read(
    course, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    enrol(english_resident, course, django_capture_on_commit_callbacks)

    (message,) = mailoutbox
    assert message.to == [english_resident.email]
    events = calendar_of(message).walk("VEVENT")
    meetings = list(course.meetings.order_by("start"))
    assert [event.decoded("dtstart") for event in events] == [m.start for m in meetings]
    assert [event.decoded("dtend") for event in events] == [m.end for m in meetings]
    assert [str(event["uid"]) for event in events] == [
        f"course-meeting-{m.pk}@127.0.0.1:8000" for m in meetings
    ]
    first = events[0]
    assert str(first["summary"]) == "Online-Banking sicher nutzen"
    assert str(first["location"]) == "Raum 104, Pfaffengasse 7, Volkshochschule Aschaffenburg"
    assert str(first["url"]) == ical.course_url(course)
    assert str(first["url"]).endswith(f"/{course.pk}/")
    assert str(first["status"]) == "CONFIRMED"


def test_emails_go_out_in_the_recipients_language(
    course, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    with translation.override("de"):  # whatever language the enrolment happened in
        enrol(english_resident, course, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.subject == "Enrolment confirmed: Online-Banking sicher nutzen"
    assert message.body.startswith("Hello Anna Schmitt,\n\nyou are enrolled in this course.")
    assert "- Tuesday, 9. February 2027, 18:00–19:30" in message.body
    assert "Where: Raum 104, Pfaffengasse 7, Volkshochschule Aschaffenburg" in message.body
    assert "<" not in message.body  # no markup in the text part
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert "<li>Tuesday, 23. February 2027, 18:00–19:30</li>" in html


def test_german_is_the_default_language_of_emails(
    course, german_resident, django_capture_on_commit_callbacks, mailoutbox
):
    with translation.override("en"):
        enrol(german_resident, course, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert '<html lang="de">' in message.alternatives[0].content
    assert "Dienstag, 9. Februar 2027, 18:00–19:30" in message.body
    assert message.body.startswith("Guten Tag Bernd Weber,")
    assert "\nTermine:\n" in message.body  # the course's dates, not "Daten"
    assert len(calendar_of(message).walk("VEVENT")) == 3


def test_the_waiting_list_email_says_the_place_and_has_no_calendar(
    course, residents, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    for n, person in enumerate(residents[:3]):
        enrol(person, course, django_capture_on_commit_callbacks, minutes=n)
    mailoutbox.clear()

    enrol(english_resident, course, django_capture_on_commit_callbacks, minutes=5)

    (message,) = mailoutbox
    assert message.subject == "On the waiting list: Online-Banking sicher nutzen"
    assert "you are on the waiting list, in place 2." in message.body
    assert message.attachments == []


def test_the_first_waiting_person_is_told_of_the_seat_with_a_calendar(
    course, residents, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    first = enrol(residents[0], course, django_capture_on_commit_callbacks)
    enrol(residents[1], course, django_capture_on_commit_callbacks, minutes=1)
    enrol(english_resident, course, django_capture_on_commit_callbacks, minutes=2)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrollment(by=residents[0], enrollment=first, now=NOW)

    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {residents[0].email, english_resident.email}
    promoted = by_recipient[english_resident.email]
    assert promoted.subject == "A seat for you: Online-Banking sicher nutzen"
    assert "you are now enrolled in this course" in promoted.body
    assert len(calendar_of(promoted).walk("VEVENT")) == 3
    cancelled = by_recipient[residents[0].email]
    assert cancelled.attachments == []


def test_the_person_who_cancels_gets_a_short_note(
    course, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    enrollment = enrol(english_resident, course, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrollment(by=english_resident, enrollment=enrollment, now=NOW)
    (message,) = mailoutbox
    assert message.subject == "Enrolment cancelled: Online-Banking sicher nutzen"
    assert "you have cancelled your enrolment in this course." in message.body


def test_someone_taken_off_by_staff_is_told_it_was_the_provider(
    course, english_resident, provider_staff, django_capture_on_commit_callbacks, mailoutbox
):
    enrollment = enrol(english_resident, course, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_enrollment(by=provider_staff, enrollment=enrollment, now=NOW)
    (message,) = mailoutbox
    assert message.subject == "Enrolment cancelled by the provider: Online-Banking sicher nutzen"
    assert message.to == [english_resident.email]


def test_a_cancelled_course_email_gives_the_reason(
    course, english_resident, provider_staff, django_capture_on_commit_callbacks, mailoutbox
):
    enrol(english_resident, course, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_course(
            by=provider_staff, course=course, reason="Die Kursleiterin ist erkrankt.", now=NOW
        )
    (message,) = mailoutbox
    assert message.subject == "Course cancelled: Online-Banking sicher nutzen"
    assert "Reason: Die Kursleiterin ist erkrankt." in message.body
    assert "Reason: Die Kursleiterin ist erkrankt." in message.alternatives[0].content


def test_staff_hear_of_a_course_below_its_minimum_with_a_link_to_manage_it(
    course, residents, provider_staff, django_capture_on_commit_callbacks, mailoutbox
):
    provider_staff.preferred_language = "en"
    provider_staff.save()
    Course.objects.filter(pk=course.pk).update(capacity=5, min_participants=3)
    enrol(residents[0], course, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.check_minimums(now=at(8, 18))

    (message,) = mailoutbox
    assert message.to == [provider_staff.email]
    assert message.subject == "Too few participants: Online-Banking sicher nutzen"
    assert (
        "registration for this course has closed with 1 confirmed participant; the minimum is 3."
        in message.body
    )
    assert f"/courses/{course.pk}/" in message.body
    assert ical.manage_url(course) in message.body
    assert f'href="{ical.manage_url(course)}"' in message.alternatives[0].content


def test_a_cancelled_course_is_marked_cancelled_in_its_calendar(course, provider_staff):
    services.cancel_course(by=provider_staff, course=course, reason="Zu wenige", now=NOW)
    course.refresh_from_db()
    calendar = Calendar.from_ical(ical.calendar_for([course], "Kurse"))
    assert [str(event["status"]) for event in calendar.walk("VEVENT")] == ["CANCELLED"] * 3
    assert str(calendar["x-wr-calname"]) == "Kurse"


def test_a_course_without_a_venue_is_at_the_providers_address(course):
    Course.objects.filter(pk=course.pk).update(location=None)
    course = Course.objects.select_related("organization", "location").get(pk=course.pk)
    assert (
        ical.venue(course) == "Volkshochschule Aschaffenburg, Luitpoldstraße 2, 63739 Aschaffenburg"
    )


def test_emails_about_someone_erased_are_skipped(course, residents, mailoutbox):
    from courses import emails

    enrollment = Enrollment.objects.create(
        course=course, user=None, status=Enrollment.Status.CONFIRMED
    )
    emails.send_enrollment_email(enrollment.pk, "confirmed")
    assert mailoutbox == []
    with pytest.raises(ValueError):
        emails.send_enrollment_email(enrollment.pk, "unknown")


def test_a_subject_and_the_plain_text_are_not_html_escaped(
    course, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    """An email's subject and its text part are plain text: "Eltern & Kinder", never
    "Eltern &amp; Kinder" (#15). The HTML part escapes as HTML must."""
    course.title = "Eltern & Kinder: <sicher> online"
    course.save()
    enrol(english_resident, course, django_capture_on_commit_callbacks)

    (message,) = mailoutbox
    assert "Eltern & Kinder: <sicher> online" in message.subject
    assert "&amp;" not in message.subject and "&lt;" not in message.subject
    assert "Eltern & Kinder: <sicher> online" in message.body
    html = message.alternatives[0][0]
    assert "Eltern &amp; Kinder: &lt;sicher&gt; online" in html


def test_removing_a_date_of_a_published_course_sends_its_cancelled_event(
    course, provider_staff, english_resident, django_capture_on_commit_callbacks, mailoutbox
):
    """The participants' calendars hold the date from the confirmation; removing it sends
    the same UID as cancelled with a higher SEQUENCE (#15)."""
    enrol(english_resident, course, django_capture_on_commit_callbacks)
    (confirmation,) = mailoutbox
    last = course.meetings.order_by("start").last()
    uid = next(
        str(event["uid"])
        for event in calendar_of(confirmation).walk("VEVENT")
        if event.decoded("dtstart") == last.start
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_meeting(by=provider_staff, meeting=last, now=NOW)

    message = mailoutbox[-1]
    assert message is not confirmation and message.to == [english_resident.email]
    assert course.title in message.subject
    (event,) = calendar_of(message).walk("VEVENT")
    assert str(event["uid"]) == uid
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == last.start


def test_the_course_cancelled_email_carries_the_dates_as_cancelled(
    staff, held_today, django_capture_on_commit_callbacks, settings
):
    held = held_today
    MeetingFactory(course=held, start=in_days(7, 18), end=in_days(7, 19))
    EnrollmentFactory(course=held, user=UserFactory(email="anna@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_course(by=staff, course=held, reason="Dozent krank")
    (message,) = mail.outbox
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    calendar = Calendar.from_ical(attachment[1])
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert {str(event["status"]) for event in events} == {"CANCELLED"}
    # The same UIDs as in the confirmation, with a higher SEQUENCE, so that they replace it.
    assert {int(event["sequence"]) for event in events} == {1}
    assert {str(event["uid"]) for event in events} == {
        f"course-meeting-{meeting.pk}@{settings.LERNPOOL_SITE_URL.split('://')[-1]}"
        for meeting in held.meetings.all()
    }


@pytest.mark.parametrize(
    ("name", "language", "greeting"),
    [
        ("Dr. Maria Müller", "de", "Guten Tag Dr. Maria Müller,"),
        ("Dr.", "de", "Guten Tag,"),
        ("Prof. Dr.", "de", "Guten Tag,"),
        ("", "de", "Guten Tag,"),
        ("Dr.", "en", "Hello,"),
        ("Maria Müller", "en", "Hello Maria Müller,"),
    ],
)
def test_an_email_greets_the_full_name_or_says_guten_tag(
    course, name, language, greeting, django_capture_on_commit_callbacks, mailoutbox
):
    person = UserFactory(name=name, preferred_language=language)
    enrol(person, course, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.body.startswith(greeting + "\n")
    assert f"<p>{greeting}</p>" in message.alternatives[0][0]
    assert "Hallo" not in message.body
