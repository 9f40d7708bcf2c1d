"""The public course catalog: every filter (full page without JavaScript and the htmx
partial), sorting by the next date, pagination, bad filters (400, never 500), and a
query-count guard that holds for 3 and for 300 courses.

Pages are requested in English so that the assertions hold before and after the German
translation is filled in."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from courses import filters
from courses.models import Course, Meeting
from organizations.models import District, Organization
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

URL = reverse("courses:catalog")
HTMX = {"HX-Request": "true", "HX-Target": "results"}


def at(days: int, hour: int = 18) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def course_on(*days: int, **values):
    """A published course with a meeting (18:00–19:30) on each of the given days from today."""
    course = CourseFactory(**values)
    for day in days:
        MeetingFactory(course=course, start=at(day), end=at(day) + datetime.timedelta(minutes=90))
    return course


def titles(response) -> list[str]:
    return [course.title for course in response.context["page"].object_list]


# --- what is listed, in which order --------------------------------------------------------


def test_it_lists_published_courses_with_a_date_ahead_soonest_first(client):
    later = course_on(20, title="Online-Banking sicher")
    sooner = course_on(3, title="KI im Alltag")
    course_on(-10, -3, title="Schon vorbei")  # over
    course_on(5, title="Entwurf", status="draft")
    course_on(5, title="Abgesagt", status="cancelled")
    CourseFactory(title="Ohne Termine")
    running = course_on(-7, 7, title="Läuft schon")  # began, one date ahead
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response) == [sooner.title, running.title, later.title]
    html = response.content.decode()
    assert "<h1" in html and 'role="search"' in html  # the whole page, with the form
    assert "3 courses" in html


def upcoming_as_before(now) -> list[tuple[int, datetime.datetime]]:
    """The catalog's courses and next dates as ``filters.upcoming`` chose them before it
    filtered on a meeting ending after now: every published course, kept when its
    correlated next meeting is not null."""
    next_meeting = Meeting.objects.filter(course=OuterRef("pk"), end__gt=now).order_by("start")
    return list(
        Course.objects.published()
        .annotate(next_start=Subquery(next_meeting.values("start")[:1]))
        .filter(next_start__isnull=False)
        .order_by("next_start", "title", "pk")
        .values_list("pk", "next_start")
    )


def test_the_courses_and_their_order_are_those_of_the_next_meeting_subquery(db):
    now = at(0, 12)
    hour = datetime.timedelta(hours=1)
    course_on(-10, -3, title="Vorbei")
    course_on(-7, 7, title="Läuft, nächster Termin in einer Woche")
    course_on(3, title="Bald")
    course_on(3, title="Auch bald")  # the same start: by title
    course_on(20, 40, title="Später")
    course_on(5, title="Abgesagt", status="cancelled")
    CourseFactory(title="Ohne Termine")
    running_now = CourseFactory(title="Gerade jetzt")
    MeetingFactory(course=running_now, start=now - hour, end=now + hour)
    MeetingFactory(course=running_now, start=now + 48 * hour, end=now + 49 * hour)
    ended_now = CourseFactory(title="Endet genau jetzt")
    MeetingFactory(course=ended_now, start=now - hour, end=now)
    for moment in (now, at(-8), at(3), at(30), at(50)):
        expected = upcoming_as_before(moment)
        shown = list(filters.upcoming(moment).values_list("pk", "next_start"))
        assert shown == expected
        assert filters.upcoming(moment).count() == len(expected)
    listed = [pk for pk, _start in upcoming_as_before(now)]
    assert listed[0] == running_now.pk  # its meeting runs now
    assert ended_now.pk not in listed
    assert len(listed) == 5


def test_each_result_says_when_where_who_how_many_seats_and_what_it_costs(client):
    library = OrganizationFactory(name="Stadtbibliothek Aschaffenburg", city="Aschaffenburg")
    venue = LocationFactory(organization=library, name="Lernwerkstatt", step_free=True)
    course = course_on(
        4,
        11,
        title="Tablet für Einsteiger",
        organization=library,
        location=venue,
        capacity=2,
        level="beginner",
        language="de",
        price=0,
    )
    EnrollmentFactory.create_batch(2, course=course)
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=timezone.now())
    paid = course_on(6, title="Excel im Beruf", price="25.00", capacity=12)

    html = client.get(URL).content.decode()
    assert "Tablet für Einsteiger" in html
    assert "Stadtbibliothek Aschaffenburg" in html
    assert "Lernwerkstatt, Aschaffenburg" in html
    assert "2 meetings" in html
    assert "Full – waiting list: 1" in html
    assert "free" in html
    assert "Beginners" in html and "German" in html
    first = timezone.localtime(at(4))
    assert first.strftime("%H:%M") in html
    assert "12 seats left" in html and "25.00 €" in html
    assert paid.get_absolute_url() in html


# --- each filter ---------------------------------------------------------------------------


@pytest.fixture
def programme(db):
    """Courses that differ in one thing each from the plain one."""
    north = District.objects.create(name="Landkreis Miltenberg", slug="lk-miltenberg")
    vhs = OrganizationFactory(name="VHS Miltenberg", slug="vhs-miltenberg", district=north)
    ramp = LocationFactory(organization=vhs, name="Saal EG", step_free=True)
    full = course_on(8, title="Voll belegt", capacity=1)
    EnrollmentFactory(course=full)
    return {
        "plain": course_on(2, title="Smartphone Basis"),
        "topic": course_on(3, title="Sicher bezahlen", topic="online_banking"),
        "audience": course_on(4, title="Für Lehrkräfte", audience="teachers"),
        "level": course_on(5, title="Fortgeschritten", level="advanced"),
        "language": course_on(6, title="In English", language="en"),
        "district": course_on(7, title="Im Landkreis", organization=vhs),
        "full": full,
        "step_free": course_on(9, title="Barrierefrei", organization=vhs, location=ramp),
        "late": course_on(40, title="Spät im Jahr"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"topic": "online_banking"}, ["topic"]),
        ({"audience": "teachers"}, ["audience"]),
        ({"level": "advanced"}, ["level"]),
        ({"language": "en"}, ["language"]),
        ({"district": "lk-miltenberg"}, ["district", "step_free"]),
        ({"organization": "vhs-miltenberg"}, ["district", "step_free"]),
        ({"provider": "VHS MILTEN"}, ["district", "step_free"]),
        ({"step_free": "on"}, ["step_free"]),
        ({"q": "english"}, ["language"]),
    ],
)
def test_each_filter_narrows_the_list(client, programme, query, expected):
    for response in (client.get(URL, query), client.get(URL, query, headers=HTMX)):
        assert response.status_code == 200
        assert titles(response) == [programme[name].title for name in expected]


def test_free_seats_leaves_out_full_courses(client, programme):
    shown = titles(client.get(URL, {"free_seats": "on"}))
    assert programme["full"].title not in shown
    assert programme["plain"].title in shown
    assert len(shown) == len(programme) - 1


def test_a_date_range_keeps_courses_with_a_date_in_it(client, programme):
    query = {
        "date_from": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "date_to": (timezone.localdate() + datetime.timedelta(days=4)).isoformat(),
    }
    assert titles(client.get(URL, query)) == [programme["topic"].title, programme["audience"].title]
    only_from = {"date_from": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()}
    assert titles(client.get(URL, only_from)) == [programme["late"].title]


def test_filters_combine(client, programme):
    shown = titles(client.get(URL, {"district": "lk-miltenberg", "step_free": "on"}))
    assert shown == [programme["step_free"].title]


def test_the_htmx_answer_is_only_the_results_region_with_its_announcement(client, programme):
    response = client.get(URL, {"topic": "online_banking"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert 'data-announce="1 course found"' in html
    assert "<form" not in html and "<h1" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_the_back_button_gets_the_whole_page(client, programme):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    html = client.get(URL, {"topic": "online_banking"}, headers=headers).content.decode()
    assert "<h1" in html and 'role="search"' in html


def test_the_form_keeps_what_was_chosen(client, programme):
    html = client.get(URL, {"topic": "online_banking", "q": "Sicher"}).content.decode()
    assert 'value="online_banking" selected' in html
    assert 'value="Sicher"' in html


# --- the provider: a part of its name, or one chosen by a link --------------------------------


def test_there_is_no_list_of_every_provider_but_a_field_for_a_part_of_the_name(client, programme):
    html = client.get(URL).content.decode()
    assert '<select name="organization"' not in html
    assert '<label class="kern-label" for="id_provider">Provider' in html
    assert '<input type="search" name="provider"' in html
    assert 'aria-describedby="id_provider_helptext"' in html
    assert "A part of the name, e.g. “Stadtbibliothek”" in html


def test_a_part_of_a_name_finds_the_courses_of_every_provider_it_matches_in_any_case(
    client, programme
):
    north_library = OrganizationFactory(name="Stadtbibliothek Miltenberg", slug="stb-mil")
    course_on(10, title="Tablet in der Bibliothek", organization=north_library)
    OrganizationFactory(name="Bücherei Miltenberg ohne Kurse", slug="ohne-kurse")
    for response in (
        client.get(URL, {"provider": "miltenBERG"}),
        client.get(URL, {"provider": "miltenBERG"}, headers=HTMX),
    ):
        assert response.status_code == 200
        assert titles(response) == [
            programme["district"].title,
            programme["step_free"].title,
            "Tablet in der Bibliothek",
        ]
        html = response.content.decode()
        # Which providers it found, each a link that chooses it (and keeps nothing of the text).
        assert "Courses of the 2 providers whose names contain “miltenBERG”" in html
        matches = html.split('<ul class="provider-matches"')[1].split("</ul>")[0]
        link = '<a class="kern-link" href="?organization={}">{}</a>'
        assert link.format("stb-mil", "Stadtbibliothek Miltenberg") in matches
        assert link.format("vhs-miltenberg", "VHS Miltenberg") in matches
        assert matches.index("Stadtbibliothek") < matches.index("VHS")  # by name
        assert "ohne Kurse" not in matches  # no published course: not a provider
    assert 'value="miltenBERG"' in client.get(URL, {"provider": "miltenBERG"}).content.decode()


def test_a_found_provider_is_chosen_with_the_other_filters_kept(client, programme):
    html = client.get(URL, {"provider": "vhs", "step_free": "on", "page": "1"}).content.decode()
    assert "Courses of the provider whose name contains “vhs”" in html
    assert 'href="?step_free=on&amp;organization=vhs-miltenberg">VHS Miltenberg</a>' in html


def test_a_link_to_one_provider_names_it_and_offers_to_remove_the_filter(client, programme):
    response = client.get(URL, {"organization": "vhs-miltenberg", "topic": ""})
    assert response.status_code == 200
    assert titles(response) == [programme["district"].title, programme["step_free"].title]
    html = response.content.decode()
    assert "Courses of VHS Miltenberg." in html
    assert "Provider: VHS Miltenberg" in html
    # Kept when another filter is set, and removable with the rest kept.
    assert '<input type="hidden" name="organization" value="vhs-miltenberg">' in html
    assert html.count('href="?topic=">') == 2
    assert "Remove the provider filter" in html and "Show the courses of all providers" in html
    assert '<span id="filter-summary">Filters (1 active)</span>' in html
    htmx = client.get(URL, {"organization": "vhs-miltenberg"}, headers=HTMX).content.decode()
    assert "Courses of VHS Miltenberg." in htmx
    assert "Provider: VHS Miltenberg" not in htmx  # the form is not swapped


def test_a_link_to_a_provider_without_courses_ahead_names_it_and_finds_none(client, programme):
    past = OrganizationFactory(name="Volkshochschule Früher", slug="vhs-frueher")
    course_on(-10, title="Vorbei", organization=past)
    response = client.get(URL, {"organization": "vhs-frueher"})
    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert "Courses of Volkshochschule Früher." in html
    assert "No course matches these filters." in html


def test_an_unknown_provider_in_a_link_says_what_to_do_and_offers_to_remove_it(client, programme):
    response = client.get(URL, {"organization": "not-a-provider", "topic": "ai"})
    assert response.status_code == 400
    html = response.content.decode()
    message = (
        "No provider in the catalog has the short name “not-a-provider”. Remove this filter,"
        " or type a part of the provider&#x27;s name."
    )
    assert message in html
    assert '<a class="kern-link" href="#id_organization">Chosen provider:' in html  # summary
    assert 'id="id_organization" tabindex="-1"' in html  # where that link goes
    assert '<a class="kern-link" href="?topic=ai">Remove the provider filter</a>' in html
    assert 'name="organization" value="not-a-provider"' not in html  # not sent again
    htmx = client.get(URL, {"organization": "not-a-provider"}, headers=HTMX)
    assert htmx.status_code == 200 and message in htmx.content.decode()


def test_a_part_of_a_name_that_no_provider_has_says_so_and_how_to_go_on(client, programme):
    response = client.get(URL, {"provider": "Quantenakademie", "topic": "online_banking"})
    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert "No provider's name contains “Quantenakademie”." in html
    assert "type a shorter part of the name" in html
    all_providers = '<a class="kern-link" href="?topic=online_banking">Show the courses of all'
    assert all_providers in html
    assert "No course matches these filters." not in html


def test_the_catalog_filter_finds_what_the_provider_list_names(db, programme):
    """One rule: the courses of a part of a name are those of the providers it names."""
    for number in range(12):
        provider = OrganizationFactory(name=f"Bildungswerk {number:02}")
        course_on(3, organization=provider)
    matches = filters.providers_named("bildungsWERK")
    assert matches.total == 12 and len(matches.shown) == filters.PROVIDERS_SHOWN == 10
    assert [row["name"] for row in matches.shown][:2] == ["Bildungswerk 00", "Bildungswerk 01"]
    listed = filters.apply(filters.upcoming(), filters.CatalogFilter(provider="bildungsWERK"))
    assert listed.values("organization").distinct().count() == matches.total
    assert filters.providers_named("100%").total == 0  # % and _ are letters, not patterns


@pytest.mark.parametrize("typed", ["ÖFFENTLICHE", "öffentliche", "ÖffentLiche BÜCHEREI"])
def test_a_part_of_a_providers_name_matches_in_any_case_beyond_ascii(client, typed):
    """On SQLite as on PostgreSQL: Ö and ö, Ü and ü are the same letter here."""
    provider = OrganizationFactory(name="Öffentliche Bücherei Großwallstadt")
    course_on(3, organization=provider, title="Tablet für Einsteiger")
    OrganizationFactory(name="Stadtbibliothek Offenbach")

    matches = filters.providers_named(typed)
    html = client.get(URL, {"provider": typed}).content.decode()

    assert [row["name"] for row in matches.shown] == ["Öffentliche Bücherei Großwallstadt"]
    assert "Tablet für Einsteiger" in html


def test_the_any_case_match_keeps_percent_and_underscore_literal(db):
    OrganizationFactory(name="Lernwerk 100% Ü_50")
    OrganizationFactory(name="Lernwerk 1000 Ü-50")
    found = Organization.objects.filter(name__anycase="100% ü_5")
    assert [o.name for o in found] == ["Lernwerk 100% Ü_50"]


def test_no_match_says_so(client, programme):
    response = client.get(URL, {"q": "Quantencomputer"})
    assert "No course matches these filters." in response.content.decode()


# --- bad filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"topic": "xyz"}, "topic"),
        ({"date_from": "notadate"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"district": "nowhere"}, "district"),
        ({"organization": "not-a-provider"}, "organization"),
        ({"q": "x" * 101}, "q"),
        ({"provider": "x" * 101}, "provider"),
        ({"date_from": "2030-05-02", "date_to": "2030-05-01"}, "date_to"),
    ],
)
def test_a_bad_filter_is_a_400_with_the_error_in_the_form(client, programme, query, field):
    response = client.get(URL, query)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    html = response.content.decode()
    assert "Please correct the following:" in html
    assert f'id="id_{field}_error"' in html
    assert titles(response) == []


def test_a_bad_filter_over_htmx_shows_the_error_in_the_results(client, programme):
    response = client.get(URL, {"date_from": "notadate"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "Please correct the following:" in html
    assert "Enter a valid date." in html


def test_a_bad_page_number_shows_the_first_or_last_page(client, programme):
    assert client.get(URL, {"page": "abc"}).status_code == 200
    assert client.get(URL, {"page": "999"}).context["page"].number == 1


def test_only_get_and_head(client):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


# --- pagination and queries ----------------------------------------------------------------


def test_it_pages_by_20_and_keeps_the_filters_in_the_links(client):
    for number in range(23):
        course_on(2 + number, title=f"Kurs {number:02}", topic="office")
    course_on(3, title="Anderes Thema")
    first = client.get(URL, {"topic": "office"})
    assert len(titles(first)) == 20
    html = first.content.decode()
    assert "?topic=office&amp;page=2" in html
    second = client.get(URL, {"topic": "office", "page": 2})
    assert titles(second) == ["Kurs 20", "Kurs 21", "Kurs 22"]


def _programme_of(count: int) -> None:
    district = District.objects.create(name="Stadt Aschaffenburg", slug="stadt-ab")
    providers = [OrganizationFactory(district=district) for _ in range(3)]
    rooms = [LocationFactory(organization=provider) for provider in providers]
    for number in range(count):
        course = CourseFactory(
            organization=providers[number % 3], location=rooms[number % 3], capacity=1
        )
        MeetingFactory(course=course, start=at(1 + number % 30))
        if number % 2:
            EnrollmentFactory(course=course)


@pytest.mark.parametrize("count", [3, 300])
def test_the_catalog_needs_the_same_few_queries_for_3_and_300_courses(
    client, django_assert_max_num_queries, count
):
    _programme_of(count)
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"district": "stadt-ab", "free_seats": "on"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == (count + 1) // 2
    with django_assert_max_num_queries(6):
        assert client.get(URL, headers=HTMX).status_code == 200


def test_the_filters_fold_into_a_disclosure_that_counts_the_active_ones(client, programme):
    html = client.get(URL).content.decode()
    assert '<details class="catalog-filters">' in html  # closed: a phone sees the courses
    assert '<span id="filter-summary">Filters</span>' in html
    query = {"q": "Sicher", "topic": "online_banking", "step_free": "on"}
    html = client.get(URL, query).content.decode()
    assert '<span id="filter-summary">Filters (2 active)</span>' in html  # the search is apart
    assert html.index('id="id_q"') < html.index('<details class="catalog-filters"')


def test_the_htmx_answer_brings_the_new_filter_count_out_of_band(client, programme):
    html = client.get(URL, {"topic": "online_banking"}, headers=HTMX).content.decode()
    assert '<span id="filter-summary" hx-swap-oob="true">Filters (1 active)</span>' in html
    assert "hx-swap-oob" not in client.get(URL, {"topic": "online_banking"}).content.decode()


def test_a_bad_filter_opens_the_disclosure(client, programme):
    html = client.get(URL, {"date_from": "notadate"}).content.decode()
    assert '<details class="catalog-filters" open>' in html


@pytest.mark.parametrize("count", [3, 300])
def test_the_catalog_needs_the_same_few_queries_and_bytes_for_3_and_300_providers(
    client, django_assert_max_num_queries, count
):
    district = District.objects.create(name="Stadt Aschaffenburg", slug="stadt-ab")
    providers = [
        OrganizationFactory(name=f"Anbieter {number:03}", district=district)
        for number in range(count)
    ]
    for number, provider in enumerate(providers):
        MeetingFactory(course=CourseFactory(organization=provider), start=at(1 + number % 30))
    # The count, the page, when the list next changes (core.public_cache), the content
    # version; a part of a name adds the providers it found, a chosen one its name.
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    html = response.content.decode()
    assert response.context["page"].paginator.count == count
    assert html.count("Anbieter ") == min(count, 20)  # the cards' providers, no list of all
    with django_assert_max_num_queries(6):  # and the district, validated
        response = client.get(URL, {"provider": "anbieter", "district": "stadt-ab"})
    assert response.context["page"].paginator.count == count
    matches = response.content.decode().split('<ul class="provider-matches"')[1].split("</ul>")[0]
    assert matches.count("<a ") == min(count, 10)
    assert ("and 290 more: type more of the name to find fewer" in matches) == (count == 300)
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"organization": providers[-1].slug}, headers=HTMX)
    assert response.context["page"].paginator.count == 1
