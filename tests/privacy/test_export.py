"""The export: every model that references a person is answered for by a section (found by
walking the models, so a new one cannot be forgotten), and a person with a row in each of
them gets all of it, labelled, as JSON, without anyone else's name or email."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.privacy import export_data, people_known_to, sections
from booking.models import LoanItem
from courses import services as courses
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    LibraryCardFactory,
    MeetingFactory,
    ReservationFactory,
    UserFactory,
)

from .conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db


# --- every reference to a person is covered ------------------------------------------------


def user_references(models) -> set[str]:
    """Every concrete foreign key and one-to-one field of ``models`` that points at the user
    model, as ``"app_label.Model.field"``."""
    user = get_user_model()
    return {
        f"{model._meta.label}.{field.name}"
        for model in models
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is user
    }


def uncovered(references: set[str], covered: set[str]) -> set[str]:
    return references - covered


def stale(covered: set[str]) -> set[str]:
    """``covers`` entries that do not name a field pointing at the user (a typo, a field
    renamed or removed, a model gone)."""
    user = get_user_model()
    wrong = set()
    for entry in covered:
        label, _dot, field_name = entry.rpartition(".")
        try:
            field = apps.get_model(label)._meta.get_field(field_name)
        except (LookupError, ValueError, FieldDoesNotExist):  # no such app, model or field
            wrong.add(entry)
            continue
        if not (field.concrete and field.is_relation and field.related_model is user):
            wrong.add(entry)
    return wrong


def covered_by_sections() -> set[str]:
    return {entry for section in sections() for entry in section.covers}


def test_every_reference_to_a_person_is_covered_by_a_section():
    references = user_references(apps.get_models())
    # The walk finds references in every kind of app: ours, allauth's, Django's.
    assert {"booking.Loan.borrower", "account.EmailAddress.user", "admin.LogEntry.user"} <= (
        references
    )
    assert uncovered(references, covered_by_sections()) == set()


def test_no_section_covers_a_field_that_does_not_point_at_a_person():
    assert stale(covered_by_sections()) == set()


def test_the_checks_find_a_reference_left_out_and_a_stale_name():
    covered = covered_by_sections()
    references = user_references(apps.get_models())
    assert uncovered(references, covered - {"booking.Loan.borrower"}) == {"booking.Loan.borrower"}
    assert stale(covered | {"booking.Loan.lender", "booking.Loan.pool", "nope.Model.user"}) == {
        "booking.Loan.lender",
        "booking.Loan.pool",
        "nope.Model.user",
    }


def test_section_keys_are_unique_and_every_section_labels_its_columns():
    keys = [section.key for section in sections()]
    assert len(keys) == len(set(keys))
    for section in sections():
        assert section.columns, section.key
        assert len({key for key, _label in section.columns}) == len(section.columns)


# --- the export of a person with a row everywhere ------------------------------------------

# Sections with nothing for Zelinda: none. (Every section should have rows in the world.)
EXPECTED_EMPTY: set[str] = set()


def test_the_export_has_rows_in_every_section(world):
    data = export_data(world.person)
    empty = {section["key"] for section in data["sections"] if not section["rows"]}
    assert empty == EXPECTED_EMPTY
    by_key = {section["key"]: section for section in data["sections"]}
    account = by_key["account"]["rows"]
    assert [(row["email"], row["name"], row["region_admin"]) for row in account] == [
        (EMAIL, NAME, False)
    ]
    assert f"Mathe 8a ({NAME})" in [row["purpose"] for row in by_key["reservations"]["rows"]]
    assert by_key["library_cards"]["rows"][0]["number"] == "ZQ-4711"
    assert {row["at_the_desk"] for row in by_key["agreements"]["rows"]} == {True}
    assert by_key["enrollments"]["rows"][0]["answers"].startswith("Bringen Sie")
    assert by_key["waitlist"]["rows"][0]["position"] == 1
    assert by_key["certificates"]["rows"][0]["code"] == world.certificate.code
    assert {row["present"] for row in by_key["attendance"]["rows"]} == {True}
    assert "Laptop 1" in " ".join(row["devices"] for row in by_key["loans"]["rows"])


def test_the_export_is_json_and_every_row_key_has_a_label(world):
    data = export_data(world.person)
    text = json.dumps(data, cls=DjangoJSONEncoder)
    assert json.loads(text)["format"] == "lernpool-export/1"
    for section in data["sections"]:
        keys = {key for key, _label in section["columns"]}
        for row in section["rows"]:
            assert set(row) <= keys, section["key"]


def test_the_export_names_nobody_else(world):
    text = json.dumps(export_data(world.person), cls=DjangoJSONEncoder).lower()
    assert NAME.lower() in text  # the search sees names where they are
    for other in world.others:
        assert other.name.lower() not in text, other.name
        assert other.email.lower() not in text, other.email
        assert other.email.split("@")[0].lower() not in text, other.email


def test_the_export_holds_no_secrets(world):
    from accounts.mfa import totp_secret
    from accounts.models import ApiToken
    from booking.models import CalendarToken

    text = json.dumps(export_data(world.person), cls=DjangoJSONEncoder)
    assert ApiToken.objects.get(user=world.person).key_hash not in text
    assert CalendarToken.objects.get(user=world.person).token not in text
    assert totp_secret(world.person) not in text
    assert world.session.session_key not in text


def _queries_per_section(user) -> dict[str, int]:
    counts = {}
    for section in sections():
        with CaptureQueriesContext(connection) as queries:
            section.export(user)
        counts[section.key] = len(queries)
    return counts


def _rows_per_section(user) -> dict[str, int]:
    return {section.key: len(section.export(user)) for section in sections()}


def test_each_section_runs_the_same_number_of_queries_for_more_rows(world):
    before = _queries_per_section(world.person)
    rows_before = _rows_per_section(world.person)
    person = world.person
    for _ in range(3):
        ReservationFactory(pool=world.ipads, user=person, purpose="mehr")
        course = CourseFactory(organization=world.library)
        EnrollmentFactory(course=course, user=person)
        pool = LendingPoolFactory(organization=world.library)
        LibraryCardFactory(user=person)  # a card at another library each time
        device = DeviceFactory(pool=pool)
        loan = world.past_loan.__class__.objects.create(
            pool=pool, borrower=person, handed_out_by=world.librarian, due_at=world.lesson.end
        )
        LoanItem.objects.create(loan=loan, device=device)
    MeetingFactory(course=course)
    courses.enrol(by=UserFactory(), course=course)
    rows_after = _rows_per_section(person)
    grown = {key for key in rows_after if rows_after[key] > rows_before[key]}
    # The comparison means something only for sections that really got more rows.
    assert {"reservations", "enrollments", "loans", "library_cards"} <= grown, grown
    after = _queries_per_section(person)
    assert after == before


# --- people an organization knows ----------------------------------------------------------


def test_an_organization_knows_its_borrower_and_not_a_stranger(world):
    stranger = UserFactory()
    known = people_known_to([world.library.pk])
    assert world.borrower.pk in known
    assert world.classmate.pk in known  # waiting list, course
    assert stranger.pk not in known
    assert None not in known


def test_a_library_card_alone_makes_a_person_known_to_that_library_only(
    other_organization, organization
):
    card = LibraryCardFactory(organization=other_organization)
    assert card.user_id in people_known_to([other_organization.pk])
    assert card.user_id not in people_known_to([organization.pk])
