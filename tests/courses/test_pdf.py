"""The provider's PDFs: the sign-in sheet (what a person reads, on every page) and the
certificate of participation (its text, and the QR code a phone reads from it).

Uses poppler-utils (pdftotext, pdftoppm) and zbar-tools (zbarimg) from the system.
"""

from __future__ import annotations

import datetime
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from core.dates import local_datetime
from courses.models import Certificate
from courses.pdf import render_certificates, render_sign_in_sheet
from tests.factories import CourseFactory, EnrollmentFactory, LocationFactory, MeetingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    count = len(PdfReader(path).pages)
    texts = []
    for number in range(1, count + 1):
        only_page = ["-f", str(number), "-l", str(number)]
        result = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", *only_page, path, "-"],
            capture_output=True,
            check=True,
        )
        texts.append(result.stdout.decode())
    return texts


@pytest.fixture
def course(organization):
    venue = LocationFactory(organization=organization, name="Medienraum", street="Hauptstr. 5")
    course = CourseFactory(
        organization=organization, title="Sicher online einkaufen", location=venue
    )
    day = datetime.date(2027, 3, 2)  # a Tuesday
    MeetingFactory(
        course=course,
        start=local_datetime(day, datetime.time(18)),
        end=local_datetime(day, datetime.time(19, 30)),
    )
    return course


def test_the_sign_in_sheet_names_course_date_venue_and_people(course, tmp_path):
    names = ["Anna Apfel", "Bert Birne", "Jürgen Groß"]
    pdf = render_sign_in_sheet(course=course, meeting=course.meetings.get(), names=names)
    (page,) = _pages(pdf, tmp_path)
    assert "Sign-in sheet" in page
    assert "Sicher online einkaufen" in page
    assert "Tuesday, March 2, 2027, 18:00–19:30" in page
    assert "Medienraum, Hauptstr. 5" in page
    assert "Kronberg-Gymnasium" in page
    for name in names:
        assert name in page
    assert "Name" in page and "Signature" in page


def test_a_long_sign_in_sheet_repeats_its_header_on_every_page(course, tmp_path):
    names = [f"Person {n:03}" for n in range(1, 61)]
    pdf = render_sign_in_sheet(course=course, meeting=course.meetings.get(), names=names)
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Signature" in page, number
        assert f"Page {number}" in page
    everything = "".join(pages)
    assert all(name in everything for name in names)
    assert everything.index("Person 001") < everything.index("Person 060")


def test_a_sheet_without_a_date_says_so(course, tmp_path):
    (page,) = _pages(render_sign_in_sheet(course=course, meeting=None, names=[]), tmp_path)
    assert "No date yet" in page


def test_the_sign_in_sheet_speaks_german_to_german_readers(course, tmp_path):
    with translation.override("de"):
        pdf = render_sign_in_sheet(course=course, meeting=course.meetings.get(), names=["A"])
    (page,) = _pages(pdf, tmp_path)
    assert "Dienstag, 2. März 2027, 18:00–19:30" in page


def _certificate(course, name: str = "Anna Apfel", code: str = "ABCD234567") -> Certificate:
    return Certificate.objects.create(
        enrollment=EnrollmentFactory(course=course),
        code=code,
        holder_name=name,
        course_title=course.title,
        provider_name=course.organization.name,
        first_day=datetime.date(2027, 3, 2),
        last_day=datetime.date(2027, 3, 23),
        hours=Decimal("6.0"),
        issued_at=timezone.make_aware(datetime.datetime(2027, 3, 24, 12)),
    )


def _verify(code: str) -> str:
    return f"https://lernpool.example.org/certificates/{code}/"


def test_the_certificate_shows_what_it_certifies(course, tmp_path):
    pdf = render_certificates([_certificate(course)], verify_url=_verify)
    (page,) = _pages(pdf, tmp_path)
    assert "Certificate of participation" in page
    assert "Anna Apfel" in page
    assert "Sicher online einkaufen" in page
    assert "from March 2, 2027 to March 23, 2027" in page
    assert "6 hours" in page
    assert "Provider: Kronberg-Gymnasium" in page
    assert "Issued on March 24, 2027" in page
    assert "Verification code: ABCD234567" in page
    assert "https://lernpool.example.org/certificates/ABCD234567/" in page


def test_the_certificates_qr_code_opens_its_verification_page(course, tmp_path):
    pdf = render_certificates([_certificate(course)], verify_url=_verify)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", path, tmp_path / "page"], check=True
    )
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", tmp_path / "page.png"], capture_output=True, text=True
    )
    assert result.stdout.strip() == "https://lernpool.example.org/certificates/ABCD234567/"


def test_all_certificates_print_one_page_each(course, tmp_path):
    certificates = [
        _certificate(course, name=f"Person {n}", code=f"CODE{n}23456") for n in range(2, 5)
    ]
    pages = _pages(render_certificates(certificates, verify_url=_verify), tmp_path)
    assert len(pages) == 3
    for page, certificate in zip(pages, certificates, strict=True):
        assert certificate.holder_name in page
        assert certificate.code in page


def test_no_certificates_is_an_error():
    with pytest.raises(ValueError):
        render_certificates([], verify_url=_verify)


def test_names_in_every_alphabet_of_the_region_print_as_they_are(course, tmp_path):
    # Helvetica, reportlab's built-in font, has none of these letters beyond ü and ß.
    names = ["Ayşe Yılmaz", "Олена Коваленко", "Łukasz Wójcik", "Jürgen Groß"]
    sheet = render_sign_in_sheet(course=course, meeting=course.meetings.get(), names=names)
    (page,) = _pages(sheet, tmp_path)
    for name in names:
        assert name in page

    certificate = render_certificates([_certificate(course, "Олена Коваленко")], verify_url=_verify)
    (page,) = _pages(certificate, tmp_path)
    assert "Олена Коваленко" in page


def test_the_certificate_is_a_tagged_pdf_with_its_qr_code_as_a_described_figure(course):
    from tests.tagged_pdf import read_back

    pdf = read_back(render_certificates([_certificate(course)], verify_url=_verify))

    assert pdf.tagged
    assert pdf.title == "Certificate of participation: Sicher online einkaufen"
    assert pdf.display_doc_title
    assert pdf.lang == "en"
    assert pdf.tags["H1"] == 1
    assert pdf.figure_alts == [
        "Verify this certificate: https://lernpool.example.org/certificates/ABCD234567/"
    ]
    assert pdf.fonts and not pdf.unembedded_fonts


def test_the_certificate_has_a_line_to_sign_at_the_foot_of_its_page(course, tmp_path):
    (page,) = _pages(render_certificates([_certificate(course)], verify_url=_verify), tmp_path)
    lines = [line.strip() for line in page.splitlines() if line.strip()]

    signature = lines.index("Signature")
    assert lines[signature + 1] == "Kronberg-Gymnasium"
    assert lines.index("Issued on March 24, 2027") < signature
    # The signature line sits in the lower third of the A4 page (842 pt high), room above it.
    path = tmp_path / "document.pdf"  # written by _pages
    words = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    top = float(re.search(r'yMin="([\d.]+)"[^>]*>Signature<', words).group(1))
    assert top > 842 * 2 / 3


def test_an_arabic_name_prints_in_the_apps_own_fonts(course, tmp_path):
    from tests.tagged_pdf import read_back

    content = render_certificates([_certificate(course, "ليلى حداد")], verify_url=_verify)

    (page,) = _pages(content, tmp_path)
    assert "ليلى حداد" in page or "ﺣﺪاد" in page or "حداد" in page
    fonts = {name.split("+")[-1] for name, _embedded in read_back(content).fonts}
    # Fira Sans, and for the Arabic letters the fallback (DejaVu from core/fonts, named so by
    # the stylesheet), nothing the system happens to have.
    assert any(name.startswith("Lernpool-Fallback") for name in fonts)
    assert all(name.startswith(("Fira-Sans", "Lernpool-Fallback")) for name in fonts)
