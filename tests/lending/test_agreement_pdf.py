"""The borrowing agreement as a PDF to sign at the desk, read back with pdftotext."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from lending.agreement_pdf import render_agreement
from lending.models import BorrowingAgreement
from tests.factories import (
    BorrowingAgreementFactory,
    LibraryCardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def agreement(library):
    return BorrowingAgreementFactory(
        organization=library,
        version=3,
        title="Leihbedingungen für Laptops",
        text=(
            "Das Gerät ist pfleglich zu behandeln & trocken zu lagern.\n\n"
            "Bei Verlust wird Ersatz fällig: <b>bis zu 500 €</b>."
        ),
    )


def lines_of(pdf: bytes, tmp_path) -> list[str]:
    """The PDF's text as pdftotext lays it out, one string per line, spaces collapsed."""
    path = tmp_path / "agreement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return [" ".join(line.split()) for line in result.stdout.decode().splitlines() if line.strip()]


def text_of(pdf: bytes, tmp_path) -> str:
    return " ".join(lines_of(pdf, tmp_path))


def test_staff_print_the_agreement_with_the_residents_name(
    client, librarian, library, agreement, tmp_path
):
    erika = UserFactory(name="Erika Mustermann")
    LibraryCardFactory(organization=library, user=erika)
    client.force_login(librarian)
    response = client.get(f"/desk/agreements/{agreement.pk}.pdf?user={erika.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "agreement-stadtbibliothek-v3.pdf" in response["Content-Disposition"]
    text = text_of(response.content, tmp_path)
    assert "Stadtbibliothek Aschaffenburg" in text
    assert "Leihbedingungen für Laptops" in text
    assert "Version 3 of" in text
    assert "pfleglich zu behandeln & trocken zu lagern." in text
    assert "Bei Verlust wird Ersatz fällig: <b>bis zu 500 €</b>." in text
    assert "I have read and accept these conditions." in text
    lines = lines_of(response.content, tmp_path)
    assert "Name Erika Mustermann" in lines
    assert lines[-3:] == ["Date", "Signature", "Leihbedingungen für Laptops Page 1 of 1"]


def test_without_a_person_the_name_line_is_empty(client, librarian, agreement, tmp_path):
    client.force_login(librarian)
    response = client.get(f"/desk/agreements/{agreement.pk}.pdf")
    assert response.status_code == 200
    assert lines_of(response.content, tmp_path)[-4:] == [
        "Name",
        "Date",
        "Signature",
        "Leihbedingungen für Laptops Page 1 of 1",
    ]


def test_a_long_agreement_runs_over_several_pages(agreement, tmp_path):
    agreement.text = "\n\n".join(
        f"§ {n}. " + "Lorem ipsum dolor sit amet. " * 20 for n in range(40)
    )
    pdf = render_agreement(agreement, name="Erika")
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 1
    text = text_of(pdf, tmp_path)
    assert "§ 39." in text and "Signature" in text


def test_rendering_does_not_query_the_database(agreement, django_assert_num_queries):
    agreement = BorrowingAgreement.objects.select_related("organization").get(pk=agreement.pk)
    with django_assert_num_queries(0):
        render_agreement(agreement, name="Erika Mustermann")


@pytest.mark.parametrize("who", ["teacher", "outsider", "resident"])
def test_others_get_404(client, request, who, agreement):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/desk/agreements/{agreement.pk}.pdf").status_code == 404


def test_staff_of_another_organization_get_404(client, staff, agreement):
    client.force_login(staff)  # staff of the Kronberg-Gymnasium
    assert client.get(f"/desk/agreements/{agreement.pk}.pdf").status_code == 404


@pytest.mark.parametrize("user", ["x", "-1", "99999999999999999999999", "{stranger}"])
def test_a_person_unknown_here_is_a_404(client, librarian, agreement, user):
    stranger = UserFactory()
    client.force_login(librarian)
    url = f"/desk/agreements/{agreement.pk}.pdf?user={user.format(stranger=stranger.pk)}"
    assert client.get(url).status_code == 404


def test_the_wrong_method_gets_405(client, librarian, agreement):
    client.force_login(librarian)
    assert client.post(f"/desk/agreements/{agreement.pk}.pdf").status_code == 405


# --- the desk's agreement PDF --------------------------------------------------------------


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("user", ["²", "١x", "1²"])
def test_the_agreement_pdf_with_a_user_that_is_no_plain_number_is_a_404(
    client, librarian, library, user
):
    agreement = BorrowingAgreementFactory(organization=library)
    client.force_login(librarian)
    url = reverse("lending_desk:agreement_pdf", kwargs={"pk": agreement.pk})
    response = client.get(url, {"user": user})
    assert response.status_code == 404


def test_the_agreement_is_a_tagged_pdf_in_the_readers_language(agreement):
    from tests.tagged_pdf import read_back

    with translation.override("en"):
        pdf = read_back(render_agreement(agreement, name="Erika Mustermann"))

    assert pdf.tagged
    assert pdf.title == "Leihbedingungen für Laptops (v3)"
    assert pdf.display_doc_title
    assert pdf.lang == "en"
    assert pdf.tags["H1"] == 1
    assert pdf.fonts and not pdf.unembedded_fonts
