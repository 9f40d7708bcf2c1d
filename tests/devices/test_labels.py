"""The QR asset labels: what a person reads on them, what a phone reads from them, and that
everything stays on its label.

Uses poppler-utils (pdftotext, pdftoppm) and zbar-tools (zbarimg) from the system, and
Pillow (which reportlab needs anyway) to cut the labels apart.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.units import mm

from devices.labels import (
    COLUMNS,
    LABEL_HEIGHT,
    LABEL_WIDTH,
    LABELS_PER_PAGE,
    TEXT_LEFT,
    TOP_MARGIN,
    render_labels,
)
from devices.models import Device, DeviceType

from ..factories import OrganizationFactory

BASE_URL = "http://testserver/"
DPI = 300
PADDING = 3 * mm


@pytest.fixture
def ipad(db) -> DeviceType:
    return DeviceType.objects.create(kind=DeviceType.Kind.TABLET, make="Apple", model="iPad 10")


def _make_devices(organization, device_type, count: int, prefix: str = "INV") -> list[Device]:
    for number in range(1, count + 1):
        Device.objects.create(
            organization=organization,
            device_type=device_type,
            asset_tag=f"{prefix}-{number:04d}",
            name=f"iPad {number:02d}",
        )
    return _fetch()


def _fetch() -> list[Device]:
    """The devices as a view would pass them: one query, in label order."""
    return list(Device.objects.select_related("organization", "device_type").order_by("asset_tag"))


def _url(device: Device) -> str:
    return f"http://testserver/d/{device.label_code}"


def _write(pdf: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    return path


def _text(pdf: bytes, tmp_path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", _write(pdf, tmp_path), "-"],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def _decoded_qr_codes(pdf: bytes, tmp_path: Path, page: int) -> list[str | None]:
    """What a scanner reads from each label of the page, in label order (None: nothing).

    zbarimg misses one of 24 codes on a whole page about every other run (it pairs up finder
    patterns of neighbouring codes), so each label is cut out and read on its own, as a phone
    would see it. That also proves each code sits on its own device's label.
    """
    prefix = tmp_path / f"page-{page}"
    only_page = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", *only_page, _write(pdf, tmp_path), prefix],
        check=True,
    )
    image = Image.open(f"{prefix}.png")
    scale = DPI / 72
    decoded = []
    for index in range(LABELS_PER_PAGE):
        row, column = divmod(index, COLUMNS)
        left, top = column * LABEL_WIDTH, TOP_MARGIN + row * LABEL_HEIGHT
        box = (left, top, left + LABEL_WIDTH, top + LABEL_HEIGHT)
        label = tmp_path / f"page-{page}-label-{index}.png"
        image.crop(tuple(round(edge * scale) for edge in box)).save(label)
        result = subprocess.run(["zbarimg", "--raw", "-q", label], capture_output=True, text=True)
        decoded.append(result.stdout.strip() or None)
    return decoded


def test_labels_show_asset_tag_name_and_organization(
    organization, other_organization, ipad, tmp_path
):
    Device.objects.create(
        organization=organization, device_type=ipad, asset_tag="KRG-0001", name="iPad 01"
    )
    Device.objects.create(
        organization=other_organization,
        device_type=ipad,
        asset_tag="MIL-0001",
        name="Leihgerät Großostheim",
    )
    # Without a name the label shows the device type.
    Device.objects.create(organization=other_organization, device_type=ipad, asset_tag="MIL-0002")
    devices = _fetch()

    text = _text(render_labels(devices, base_url=BASE_URL), tmp_path)

    for device in devices:
        assert device.asset_tag in text
        assert device.display_name in text
        assert device.organization.name in text
        assert device.label_code in text
    assert "Stadtbücherei Miltenberg" in text
    assert "Leihgerät Großostheim" in text
    assert "Apple iPad 10" in text


def test_the_pdf_has_a_title_and_an_author(organization, ipad):
    devices = _make_devices(organization, ipad, 1)

    reader = PdfReader(io.BytesIO(render_labels(devices, base_url=BASE_URL)))

    assert reader.metadata.title == "Lernpool – Inventaretiketten"
    assert reader.metadata.author == "Lernpool"


def test_24_labels_fill_one_page_and_the_25th_starts_a_second(organization, ipad):
    devices = _make_devices(organization, ipad, 25)

    pdf = render_labels(devices, base_url=BASE_URL)
    reader = PdfReader(io.BytesIO(pdf))

    assert len(reader.pages) == 2
    assert len(PdfReader(io.BytesIO(render_labels(devices[:24], base_url=BASE_URL))).pages) == 1
    first_page, second_page = (page.extract_text() for page in reader.pages)
    assert "INV-0024" in first_page
    assert "INV-0025" not in first_page
    assert "INV-0025" in second_page


def test_qr_codes_decode_to_the_devices_urls(organization, ipad, tmp_path):
    devices = _make_devices(organization, ipad, 25)

    pdf = render_labels(devices, base_url=BASE_URL)

    first_page = _decoded_qr_codes(pdf, tmp_path, page=1)
    assert set(first_page) == {_url(device) for device in devices[:24]}
    assert first_page == [_url(device) for device in devices[:24]]
    assert _decoded_qr_codes(pdf, tmp_path, page=2) == [_url(devices[24])] + [None] * 23


def test_the_base_url_may_come_with_or_without_a_trailing_slash(organization, ipad, tmp_path):
    devices = _make_devices(organization, ipad, 1)

    pdf = render_labels(devices, base_url="https://lernpool.example.de")

    assert _decoded_qr_codes(pdf, tmp_path, page=1)[0] == (
        f"https://lernpool.example.de/d/{devices[0].label_code}"
    )


def test_no_devices_is_an_error():
    with pytest.raises(ValueError):
        render_labels([], base_url=BASE_URL)


def test_long_texts_are_shortened_to_stay_inside_their_label(db, ipad, tmp_path):
    organization = OrganizationFactory(
        name="Staatliche Realschule für Knaben und Mädchen Großostheim, "
        "Außenstelle Schöllkrippen, Zweigstelle im Rathaus am Marktplatz"
    )
    Device.objects.create(
        organization=organization,
        device_type=ipad,
        asset_tag="X" * 50,
        name="Leihgerät für den Bücherbus mit Ladekabel, Hülle und Stift – bitte vollständig "
        "zurückgeben",
    )
    Device.objects.create(
        organization=organization,
        device_type=ipad,
        asset_tag="INV-2026-000123",
        name="Donaudampfschifffahrtsgesellschaftskapitänsmützenhalterung",
    )
    # Fill a whole page so that labels of every column and row are checked.
    _make_devices(organization, ipad, 22, prefix="LANG")
    devices = _fetch()

    pdf = render_labels(devices, base_url=BASE_URL)

    words = _word_boxes(pdf, tmp_path)
    assert len(words) > 24 * 4
    for text, (x_min, y_min, x_max, y_max) in words:
        column = int((x_min + x_max) / 2 // LABEL_WIDTH)
        row = int(((y_min + y_max) / 2 - TOP_MARGIN) // LABEL_HEIGHT)
        left, top = column * LABEL_WIDTH, TOP_MARGIN + row * LABEL_HEIGHT
        # Right of the QR code, and clear of the edges that printers and cutters miss.
        # pdftotext rounds to a millionth of a point.
        assert left + TEXT_LEFT - 0.01 <= x_min and x_max <= left + LABEL_WIDTH - PADDING, text
        assert top + PADDING <= y_min and y_max <= top + LABEL_HEIGHT - PADDING, text
    assert any(text.endswith("…") for text, _box in words)


def test_rendering_does_not_query_the_database(
    organization, other_organization, ipad, django_assert_num_queries
):
    _make_devices(organization, ipad, 3)
    devices = _make_devices(other_organization, ipad, 3, prefix="MIL")

    with django_assert_num_queries(0):
        render_labels(devices, base_url=BASE_URL)


def _word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Every word on page 1 with its box in points, measured from the top left corner."""
    result = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", _write(pdf, tmp_path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    return [
        (match[5], tuple(float(value) for value in match.groups()[:4]))
        for match in pattern.finditer(result.stdout)
    ]
