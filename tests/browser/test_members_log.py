"""An org admin makes a teacher staff (confirming with the password first), then reads the
change in the organization's log. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from organizations.models import Membership, Role
from tests.browser.conftest import nav_link
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_org_admin_makes_a_teacher_staff_and_sees_it_in_the_log(
    page, live_server, organization, org_admin, password, audit, log_in
):
    org_admin.name = "Anna Admin"
    org_admin.save()
    teacher = MembershipFactory(
        organization=organization, role=Role.TEACHER, user__name="Tom Lehrer"
    )
    log_in(page, org_admin)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)

    nav_link(page, "Members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    audit.check(page)
    row = page.get_by_role("row").filter(has_text="Tom Lehrer")
    row.get_by_label("New role for Tom Lehrer").select_option(label="Staff")
    row.get_by_role("button", name=re.compile("^Change")).click()

    # The change waits for the password, then is made without being asked again.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    audit.check(page)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")
    expect(page.get_by_text("Tom Lehrer is now Staff.")).to_be_visible()
    audit.check(page)
    assert Membership.objects.get(pk=teacher.pk).role == Role.STAFF

    nav_link(page, "Log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log")
    audit.check(page)
    page.get_by_label("What").select_option(label="Members and roles")
    page.get_by_role("button", name="Show").click()
    entry = page.get_by_role("row").filter(has_text="Role changed")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Anna Admin")
    expect(entry).to_contain_text(str(teacher.pk))
    audit.check(page)
