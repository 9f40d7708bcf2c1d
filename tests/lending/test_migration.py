"""Moving resident lending's models from booking to lending loses no row (#16).

The database goes back to the state before the move (booking 0004, no lending), rows of every
moved model are written through the historical booking models, and the migrations run
forward again: every row is still there, read through lending's models, and the content
types (and so permissions and admin log entries) moved with them. Runs on SQLite and on
PostgreSQL (the moving migrations touch no table, on either).
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lending.models import (
    AgreementAcceptance,
    BorrowingAgreement,
    LendingPolicy,
    LibraryCard,
    OverdueNotice,
    WaitlistEntry,
)
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

BEFORE_THE_MOVE = [("lending", None), ("booking", "0004_merge_20261207_0235")]
MOVED = {
    "lendingpolicy": LendingPolicy,
    "librarycard": LibraryCard,
    "borrowingagreement": BorrowingAgreement,
    "agreementacceptance": AgreementAcceptance,
    "waitlistentry": WaitlistEntry,
    "overduenotice": OverdueNotice,
}


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_the_content_types():
    leaves = _leaf_nodes()
    # What the moved rows point at lives in tables the move does not touch.
    library = OrganizationFactory(kind="library")
    person, staff = UserFactory(), UserFactory()
    pool = DevicePoolFactory(organization=library, booking_scope="residents")
    device = DeviceFactory(pool=pool)
    reservation = ReservationFactory(pool=pool, user=person)
    now = timezone.now()
    try:
        _migrate(BEFORE_THE_MOVE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE_THE_MOVE[1:]).apps
        Loan = old.get_model("booking", "Loan")
        loan = Loan.objects.create(
            pool_id=pool.pk,
            reservation_id=reservation.pk,
            borrower_id=person.pk,
            handed_out_by_id=staff.pk,
            handed_out_at=now,
            due_at=now + datetime.timedelta(days=7),
        )
        old.get_model("booking", "LoanItem").objects.create(loan=loan, device_id=device.pk)
        old.get_model("booking", "LendingPolicy").objects.create(organization_id=library.pk)
        old.get_model("booking", "LibraryCard").objects.create(
            organization_id=library.pk, user_id=person.pk, number="AB-1"
        )
        agreement = old.get_model("booking", "BorrowingAgreement").objects.create(
            organization_id=library.pk, version=1, title="Leihvertrag", text="Text"
        )
        old.get_model("booking", "AgreementAcceptance").objects.create(
            agreement=agreement, user_id=person.pk, recorded_by_id=staff.pk
        )
        old.get_model("booking", "WaitlistEntry").objects.create(
            pool_id=pool.pk, user_id=person.pk, quantity=1
        )
        old.get_model("booking", "OverdueNotice").objects.create(loan=loan, kind="overdue", days=1)
        ContentType.objects.clear_cache()
        before = {
            model: ContentType.objects.get(app_label="booking", model=model).pk for model in MOVED
        }
    finally:
        _migrate(leaves)
        ContentType.objects.clear_cache()

    assert {name: model.objects.count() for name, model in MOVED.items()} == dict.fromkeys(MOVED, 1)
    assert LibraryCard.objects.get().number == "AB-1"
    assert AgreementAcceptance.objects.get().agreement.title == "Leihvertrag"
    assert WaitlistEntry.objects.get().pool_id == pool.pk
    assert OverdueNotice.objects.get().loan_id == loan.pk
    for name, model in MOVED.items():
        content_type = ContentType.objects.get_for_model(model)
        assert (content_type.app_label, content_type.pk) == ("lending", before[name])
        assert Permission.objects.filter(
            content_type=content_type, codename=f"change_{name}"
        ).exists()
    assert not ContentType.objects.filter(app_label="booking", model__in=MOVED).exists()
