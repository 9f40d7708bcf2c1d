"""The page frame kept in memory (core/frame.py): the navigation, the asset links, the brand
and the footer are worked out once per process, yet every page still shows the menu of the
person's roles, in their language, with their current section, their own CSRF token and the
operator as configured now."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.urls.resolvers import URLResolver

from organizations.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<ul class="site-nav__items">(.*?)</ul>\s*</details>\s*</nav>', re.S)


def menu(html: str) -> str:
    return MENU.search(html).group(1)


def test_people_with_other_roles_get_their_own_menu(client, teacher, staff):
    client.force_login(teacher)
    teachers_menu = menu(client.get("/organizations/").content.decode())
    client.force_login(staff)
    staffs_menu = menu(client.get("/organizations/").content.decode())

    assert ">Ausgabe<" not in teachers_menu
    assert ">Ausgabe<" in staffs_menu
    assert ">Inventar<" in staffs_menu


def test_a_new_role_shows_in_the_menu_on_the_next_page(client, teacher, organization):
    client.force_login(teacher)
    assert ">Ausgabe<" not in menu(client.get("/organizations/").content.decode())

    MembershipFactory(user=teacher, organization=organization, role=Role.STAFF)

    assert ">Ausgabe<" in menu(client.get("/organizations/").content.decode())


def test_the_menu_comes_in_the_visitors_language(client, settings):
    assert ">Kurse<" in menu(client.get("/organizations/").content.decode())

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/organizations/").content.decode()

    assert ">Courses<" in menu(english)
    assert "Imprint" in english  # the footer
    assert "Skip to main content" in english  # the brand's fragment


def test_the_current_section_is_that_of_each_request(client, teacher):
    client.force_login(teacher)

    on_bookings = menu(client.get(reverse("booking:my_bookings")).content.decode())
    on_directory = menu(client.get("/organizations/").content.decode())
    on_bookings_again = menu(client.get(reverse("booking:my_bookings")).content.decode())

    assert 'href="/bookings/" aria-current="page">Meine Buchungen<' in on_bookings
    assert 'href="/organizations/" aria-current="page">' in on_directory
    assert 'aria-current="page">Meine Buchungen<' not in on_directory
    assert on_bookings_again == on_bookings


def test_every_visitor_gets_their_own_csrf_token_and_next_address(settings):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_page = first.get("/organizations/").content.decode()
    second_page = second.get("/imprint/").content.decode()

    for visitor, page in ((first, first_page), (second, second_page)):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        answer = visitor.post("/language/", {"language": "en", "csrfmiddlewaretoken": token})
        assert answer.status_code == 302  # the token of the page is this visitor's
    assert "/accounts/login/?next=/organizations/" in first_page
    assert "/accounts/login/?next=/imprint/" in second_page


def test_the_footer_and_brand_follow_the_operator_setting(client, settings):
    assert "Stadt Musterstadt" not in client.get("/").content.decode()

    settings.LERNPOOL_OPERATOR = {**settings.LERNPOOL_OPERATOR, "name": "Stadt Musterstadt"}
    html = client.get("/").content.decode()

    assert '<span class="site-brand__region">Stadt Musterstadt</span>' in html
    assert "Lernpool wird betrieben von: Stadt Musterstadt" in html


def test_the_frame_reverses_no_address_once_it_is_known(client, staff):
    client.force_login(staff)
    request = client.get("/organizations/").wsgi_request
    render_to_string("base.html", request=request)  # the first page of the process

    with mock.patch.object(
        URLResolver, "_reverse_with_prefix", autospec=True, side_effect=AssertionError
    ):
        html = render_to_string("base.html", request=request)

    assert ">Inventar<" in html


FRAGMENT = (
    '{% load frame %}{% same_for_everyone "x" %}{{ operator.name }}{% endsame_for_everyone %}'
)


def test_a_fragment_sees_the_operator_setting_not_the_pages_context():
    html = Template(FRAGMENT).render(Context({"operator": {"name": "Fremde Stadt"}}))

    assert html == "Stadt Aschaffenburg"


def test_a_fragment_is_kept_but_under_debug_rendered_every_time(settings, monkeypatch):
    template = Template(FRAGMENT)
    assert template.render(Context()) == "Stadt Aschaffenburg"
    monkeypatch.setitem(settings.LERNPOOL_OPERATOR, "name", "Stadt Musterstadt")  # no signal
    assert template.render(Context()) == "Stadt Aschaffenburg"  # kept: the same for everyone

    settings.DEBUG = True  # e.g. an edited template
    assert template.render(Context()) == "Stadt Musterstadt"
    monkeypatch.setitem(settings.LERNPOOL_OPERATOR, "name", "Stadt Obernburg")

    assert template.render(Context()) == "Stadt Obernburg"


def test_a_fragment_needs_one_quoted_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load frame %}{% same_for_everyone footer %}{% endsame_for_everyone %}")
