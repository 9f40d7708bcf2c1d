"""Every course page marks the course's own text with the course's language (WCAG 3.1.2):
an English, Ukrainian or Arabic course on a German page, and a German course in the English
interface, are read by a screen reader in their own language (Arabic right to left)."""

from __future__ import annotations

import pytest

from tests.factories import CourseFactory, EnrollmentFactory, MeetingFactory, UserFactory
from tests.html_lang import languages_of

pytestmark = pytest.mark.django_db

COURSES = [
    # language, title, summary, description, the page's lang and dir expected for them
    ("en", "Using email safely", "Spot phishing mails.", "Links, senders, attachments."),
    ("uk", "Смартфон для початківців", "Перші кроки.", "Налаштування та додатки."),
    ("tr", "Akıllı telefon temelleri", "İlk adımlar.", "Ayarlar ve uygulamalar."),
    ("ar", "أساسيات الهاتف الذكي", "الخطوات الأولى.", "الإعدادات والتطبيقات."),
    ("de-simple", "Das Handy: einfach erklärt", "Wir zeigen Ihnen das Handy.", "Sie lernen."),
    ("de", "Sicher im Internet", "Passwörter und Updates.", "Was ein gutes Passwort ist."),
]
EXPECTED = {
    "de": {
        "en": ("en", None),
        "uk": ("uk", None),
        "tr": ("tr", None),
        "ar": ("ar", "rtl"),
        "de-simple": ("de", None),
        "de": ("de", None),
    },
    "en": {
        "en": ("en", None),
        "uk": ("uk", None),
        "tr": ("tr", None),
        "ar": ("ar", "rtl"),
        "de-simple": ("de", None),
        "de": ("de", None),
    },
}


@pytest.fixture
def courses():
    made = []
    for language, title, summary, description in COURSES:
        course = CourseFactory(
            language=language,
            title=title,
            summary=summary,
            description=description,
            prerequisites=f"{summary} {summary}",
        )
        MeetingFactory(course=course)
        made.append(course)
    return made


def _in(client, language: str) -> None:
    client.post("/language/", {"language": language, "next": "/"})


def _page_lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def _assert_marked(html: str, text: str, expected: tuple[str, str | None]) -> None:
    found = languages_of(html, text)
    assert found, f"{text!r} is not on the page"
    assert found == {expected}, (text, found)


@pytest.mark.parametrize("ui", ["de", "en"])
def test_the_course_page_marks_title_summary_description_and_prerequisites(client, courses, ui):
    _in(client, ui)
    for course in courses:
        html = client.get(course.get_absolute_url()).content.decode()
        assert _page_lang(html) == ui
        expected = EXPECTED[ui][course.language]
        for text in (course.title, course.summary, course.description, course.prerequisites):
            _assert_marked(html, text, expected)


@pytest.mark.parametrize("ui", ["de", "en"])
def test_the_catalog_marks_each_card_with_its_courses_language(client, courses, ui):
    _in(client, ui)
    html = client.get("/courses/").content.decode()
    for course in courses:
        _assert_marked(html, course.title, EXPECTED[ui][course.language])
        _assert_marked(html, course.summary, EXPECTED[ui][course.language])


def test_my_courses_marks_each_title_with_its_courses_language(client, courses):
    person = UserFactory()
    for course in courses:
        EnrollmentFactory(course=course, user=person)
    client.force_login(person)
    html = client.get("/my-courses/").content.decode()
    for course in courses:
        _assert_marked(html, course.title, EXPECTED["de"][course.language])


def test_the_interface_around_the_course_stays_in_the_page_language(client, courses):
    english = courses[0]
    html = client.get(english.get_absolute_url()).content.decode()
    assert languages_of(html, "Anmelden") <= {("de", None)}
