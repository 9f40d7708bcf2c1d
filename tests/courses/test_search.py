"""The catalog's search finds what people type, in the title, summary, description, topic
and provider name, on the page, its htmx answer and the API (one ``filters.apply`` behind
all three). The stemming cases and the index run on PostgreSQL only; the rest on both."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from courses import search
from courses.models import Course
from tests.factories import CourseFactory, MeetingFactory, OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
URL = reverse("courses:catalog")
API = "/api/v1/courses"
HTMX = {"HX-Request": "true", "HX-Target": "results"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def course(title: str, days: int = 7, **values) -> Course:
    values.setdefault("summary", "Ein Kurs der Region.")
    values.setdefault("description", "Wir üben gemeinsam in kleinen Gruppen.")
    values.setdefault("topic", "office")
    made = CourseFactory(title=title, **values)
    start = NOW + datetime.timedelta(days=days, hours=9)
    MeetingFactory(course=made, start=start, end=start + datetime.timedelta(hours=2))
    return made


@pytest.fixture
def programme(db):
    library = OrganizationFactory(name="Stadtbibliothek Erlenbach", slug="stabi-erlenbach")
    return {
        "video": course(
            "Videotelefonie mit der Familie",
            days=3,
            summary="Enkel und Kinder sehen, auch wenn sie weit weg wohnen.",
            description="Wir richten WhatsApp und Signal ein und telefonieren mit Bild.",
            topic="media",
        ),
        "tablet": course("Tabletkurs für Senioren", days=4, topic="smartphone"),
        "banking": course("Sicher bezahlen", days=5, topic="online_banking"),
        "library": course("Lesen auf dem E-Reader", days=6, organization=library),
        "excel": course("Excel: erste Schritte", days=8, summary="Tabellen für Anfänger."),
    }


def page_titles(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return [shown.title for shown in response.context["page"].object_list]


def everywhere(client, q: str) -> list[str]:
    """The titles the page, its htmx answer and the API list for ``q``; they must agree."""
    on_page = page_titles(client, q)
    swapped = client.get(URL, {"q": q}, headers=HTMX)
    assert [shown.title for shown in swapped.context["page"].object_list] == on_page
    listed = client.get(API, {"q": q})
    assert listed.status_code == 200
    assert [item["title"] for item in listed.json()["items"]] == on_page
    return on_page


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("WhatsApp", ["video"]),  # the description
        ("whatsapp", ["video"]),
        ("Enkel", ["video"]),  # the summary
        ("Tabletkurs", ["tablet"]),  # the title
        ("Erlenbach", ["library"]),  # the provider's name
        ("Stadtbibliothek", ["library"]),
        ("Onlinebanking", ["banking"]),  # the topic's German label
        ("banking", ["banking"]),  # … and its English one
        ("Excel Anfänger", ["excel"]),  # every word, each in its own field
        ("WhatsApp Excel", []),  # a word found nowhere: nothing
    ],
)
def test_it_finds_what_people_type_in_every_field(client, programme, q, expected):
    assert everywhere(client, q) == [programme[name].title for name in expected]


def test_whatsapp_finds_the_video_call_course_by_its_description(client, programme):
    html = client.get(URL, {"q": "WhatsApp"}).content.decode()
    assert "Videotelefonie mit der Familie" in html
    assert "1 course" in html
    assert "Tabletkurs für Senioren" not in html


def test_a_short_word_matches_a_topic_word_exactly_not_as_a_prefix(client):
    course("KI im Alltag", days=9, topic="ai", summary="Was kann künstliche Intelligenz?")
    course("Scratch", days=10, topic="coding")  # "Coding for kids" / "für Kinder"
    assert page_titles(client, "KI") == ["KI im Alltag"]


def test_the_search_field_says_what_it_searches(client):
    html = client.get(URL).content.decode()
    assert '<label class="kern-label" for="id_q">Search' in html
    assert "Title, description, topic or provider" in html


def test_punctuation_and_tsquery_syntax_are_plain_text(client, programme):
    for q in ("WhatsApp!", "'WhatsApp' & |", "WhatsApp:*", "(WhatsApp)"):
        assert page_titles(client, q) == [programme["video"].title]
    assert client.get(API, {"q": "a & | ! :* ("}).status_code == 200
    assert page_titles(client, "!!! ???") == [c.title for c in sorted_programme(programme)]


def sorted_programme(programme):
    return sorted(programme.values(), key=lambda c: c.meetings.get().start)


@pytest.mark.parametrize("count", [3, 300])
def test_searching_needs_the_same_few_queries_for_3_and_300_courses(
    client, django_assert_max_num_queries, count
):
    library = OrganizationFactory(name="Stadtbibliothek Erlenbach")
    for number in range(count):
        course(f"Tabletkurs {number}", days=1 + number % 30, organization=library)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"q": "Tabletkurs Erlenbach", "topic": "office"})
    assert response.context["page"].paginator.count == count
    with django_assert_max_num_queries(6):
        assert client.get(URL, {"q": "Tablet"}, headers=HTMX).status_code == 200


def test_words_drop_one_german_ending_and_keep_short_words_whole():
    assert search.words("Tabletkurse Familien Smartphones Kurs KI") == [
        "Tabletkurs",
        "Famili",
        "Smartphon",
        "Kurs",
        "KI",
    ]
    assert len(search.words("ein " * 50)) == search.MAX_WORDS


# --- PostgreSQL: German stemming, stop words, the index ------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Tabletkurse", ["tablet"]),  # the plural of the title's word
        ("Tablet", ["tablet"]),  # the start of a compound
        ("Senior", ["tablet"]),  # "Senioren"
        ("Familien", ["video"]),  # "Familie"
        ("telefonieren", ["video"]),
        ("Videotelefonie mit Familie", ["video"]),  # "mit" is a stop word: skipped
        ("Excel für Anfänger", ["excel"]),
        ("Stadtbibliotheken", ["library"]),
    ],
)
def test_on_postgres_it_finds_other_forms_of_a_word(client, programme, q, expected):
    assert everywhere(client, q) == [programme[name].title for name in expected]


def _plan_of_the_text_match() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny
    query = search._prefix_query("whatsapp")
    matching = Course.objects.annotate(text=search.course_vector()).filter(text=query)
    return matching.explain()


@pytest.mark.postgres
def test_on_postgres_the_course_text_is_matched_through_the_gin_index(programme):
    assert search.INDEX_NAME in _plan_of_the_text_match()


@pytest.mark.postgres
def test_on_postgres_without_the_index_the_plan_says_so(programme):
    """Negative control: with the index dropped (undone with the test's transaction) the
    same check no longer finds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {search.INDEX_NAME}")
    assert search.INDEX_NAME not in _plan_of_the_text_match()
