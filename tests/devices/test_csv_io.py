from __future__ import annotations

import pytest
from django.utils import translation

from devices.csv_io import COLUMNS, MAX_ROWS, export_devices_csv, parse_device_csv
from devices.models import Device, DevicePool, DeviceType
from devices.services import import_devices
from organizations.models import Location

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

HEADER = ",".join(COLUMNS)


@pytest.fixture
def ipad(db):
    return DeviceType.objects.create(
        kind=DeviceType.Kind.TABLET, make="Apple", model="iPad 10. Generation"
    )


@pytest.fixture
def laptop(db):
    return DeviceType.objects.create(
        kind=DeviceType.Kind.LAPTOP, make="Lenovo", model="ThinkPad L13", operating_system="Linux"
    )


@pytest.fixture
def pool(organization):
    return DevicePool.objects.create(organization=organization, name="Tablet-Koffer 1")


@pytest.fixture
def room(organization):
    return Location.objects.create(organization=organization, name="Raum 204")


def csv_file(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def problems(result) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


def test_a_good_file_gives_rows_and_no_errors(organization, ipad, laptop, pool, room):
    result = parse_device_csv(
        organization,
        csv_file(
            HEADER,
            "KG-001,SN1,Apple iPad 10. Generation,iPad 01,Tablet-Koffer 1,Raum 204,,Hülle,",
            'KG-002,SN2,  lenovo   thinkpad l13 ,,,,in_repair,,"Akku tauschen"',
        ),
    )

    assert result.errors == []
    assert result.is_valid
    first, second = result.rows
    assert (first.line, first.asset_tag, first.device_type, first.serial_number, first.name) == (
        2,
        "KG-001",
        ipad,
        "SN1",
        "iPad 01",
    )
    assert (first.pool, first.home_location, first.status, first.accessories) == (
        pool,
        room,
        Device.Status.IN_SERVICE,
        "Hülle",
    )
    assert (second.line, second.device_type, second.pool, second.status, second.notes) == (
        3,
        laptop,
        None,
        Device.Status.IN_REPAIR,
        "Akku tauschen",
    )


def test_the_parser_writes_nothing(organization, ipad):
    parse_device_csv(organization, csv_file(HEADER, "KG-001,,Apple iPad 10. Generation"))
    assert Device.objects.count() == 0


def test_german_headers_in_any_case_and_semicolons_work(organization, ipad, pool, room):
    with translation.override("de"):
        in_repair = str(Device.Status.IN_REPAIR.label)
    result = parse_device_csv(
        organization,
        csv_file(
            "INVENTARNUMMER;seriennummer;Typ;Name;Geräteset/Pool;Standort;Status;Zubehör;Notizen",
            f"KG-001;SN, mit Komma;Apple iPad 10. Generation;iPad 01;Tablet-Koffer 1;Raum 204;"
            f"{in_repair};Ladegerät;",
        ),
    )

    assert result.errors == []
    (row,) = result.rows
    assert (row.asset_tag, row.serial_number, row.pool, row.home_location) == (
        "KG-001",
        "SN, mit Komma",
        pool,
        room,
    )
    assert (row.status, row.accessories) == (Device.Status.IN_REPAIR, "Ladegerät")


def test_optional_columns_may_be_left_out(organization, ipad):
    result = parse_device_csv(
        organization, csv_file("Typ;Inventarnummer", "Apple iPad 10. Generation;KG-1")
    )
    assert result.errors == []
    assert (result.rows[0].asset_tag, result.rows[0].status) == ("KG-1", Device.Status.IN_SERVICE)


def status_spellings() -> list[tuple[str, str]]:
    spellings = []
    for status in Device.Status:
        spellings.append((status.value, status.value))
        for language in ("de", "en"):
            with translation.override(language):
                spellings.append((str(status.label).upper(), status.value))
    return spellings


@pytest.mark.parametrize(("written", "status"), status_spellings())
def test_status_accepts_the_value_and_the_german_and_english_labels(
    organization, ipad, written, status
):
    result = parse_device_csv(
        organization, csv_file("asset_tag;type;status", f"KG-1;Apple iPad 10. Generation;{written}")
    )
    assert result.errors == []
    assert result.rows[0].status == status


@pytest.fixture
def other_pool(other_organization):
    return DevicePool.objects.create(organization=other_organization, name="Leihbestand")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("KG-9,,Samsung Galaxy Tab,,,,,,", "Unknown device type “Samsung Galaxy Tab”"),
        ("KG-9,,,,,,,,", "The device type is missing."),
        (",,Apple iPad 10. Generation,,,,,,", "The asset tag is missing."),
        ("KG-OLD,,Apple iPad 10. Generation,,,,,,", "already a device with the asset tag “KG-OLD”"),
        ("KG-9,,Apple iPad 10. Generation,,,,kaputt,,", "Unknown status “kaputt”"),
        ("KG-9,,Apple iPad 10. Generation,,Koffer 7,,,,", "Unknown pool “Koffer 7”"),
        ("KG-9,,Apple iPad 10. Generation,,Leihbestand,,,,", "Unknown pool “Leihbestand”"),
        ("KG-9,,Apple iPad 10. Generation,,,Turnhalle,,,", "Unknown location “Turnhalle”"),
        (f"KG-9,,Apple iPad 10. Generation,{'x' * 101},,,,,", "Name is too long: 101"),
        (f"{'T' * 51},,Apple iPad 10. Generation,,,,,,", "Asset tag is too long: 51"),
        ("KG-9,,Apple iPad 10. Generation,,,,,,,surplus", "This line has 10 values"),
    ],
)
def test_a_bad_row_gives_an_error_on_its_line_with_the_reason(
    organization, ipad, pool, other_pool, row, message
):
    Device.objects.create(organization=organization, device_type=ipad, asset_tag="KG-OLD")
    result = parse_device_csv(
        organization, csv_file(HEADER, "KG-1,,Apple iPad 10. Generation,,,,,,", "", row)
    )

    assert len(result.errors) == 1
    assert result.errors[0].line == 4  # the blank line 3 counts
    assert message in result.errors[0].message
    assert [row.asset_tag for row in result.rows] == ["KG-1"]
    assert not result.is_valid


def test_a_tag_twice_in_the_file_names_the_earlier_line(organization, ipad):
    result = parse_device_csv(
        organization,
        csv_file(
            HEADER,
            "KG-1,,Apple iPad 10. Generation,,,,,,",
            "KG-2,,Apple iPad 10. Generation,,,,,,",
            "KG-1,,Apple iPad 10. Generation,,,,,,",
        ),
    )
    assert problems(result) == [
        (4, "The asset tag “KG-1” appears twice in the file: first on line 2.")
    ]


def test_a_tag_used_by_another_organization_is_fine(organization, other_organization, ipad):
    Device.objects.create(organization=other_organization, device_type=ipad, asset_tag="KG-1")
    result = parse_device_csv(organization, csv_file(HEADER, "KG-1,,Apple iPad 10. Generation"))
    assert result.errors == []


def test_every_problem_of_a_row_is_named(organization, ipad):
    result = parse_device_csv(organization, csv_file(HEADER, ",,Tablet,,Koffer,,weg,,"))
    assert [line for line, _message in problems(result)] == [2, 2, 2, 2]


def test_line_numbers_are_physical_lines_even_with_notes_over_several_lines(organization, ipad):
    result = parse_device_csv(
        organization,
        csv_file(
            HEADER,
            'KG-1,,Apple iPad 10. Generation,,,,,,"Display gesprungen,',
            'Hülle fehlt"',
            "",
            "KG-2,,Samsung,,,,,,",
        ),
    )
    assert result.rows[0].notes == "Display gesprungen,\nHülle fehlt"
    assert [line for line, _message in problems(result)] == [5]


@pytest.mark.parametrize(
    ("header", "missing"),
    [("asset_tag,name", "“type (Typ)”"), ("Name;Typ", "“asset_tag (Inventarnummer)”")],
)
def test_a_header_without_a_required_column_gives_one_error_on_line_1(
    organization, ipad, header, missing
):
    result = parse_device_csv(organization, csv_file(header, "KG-1,Apple iPad 10. Generation"))
    assert len(result.errors) == 1 and result.errors[0].line == 1
    assert missing in result.errors[0].message
    assert result.rows == []


def test_an_unknown_column_is_named_rather_than_dropped(organization, ipad):
    result = parse_device_csv(
        organization, csv_file("asset_tag;type;Raum", "KG-1;Apple iPad 10. Generation;204")
    )
    assert len(result.errors) == 1 and result.errors[0].line == 1
    assert "“Raum”" in result.errors[0].message


def test_an_empty_file_and_a_header_alone_are_errors(organization):
    assert problems(parse_device_csv(organization, "")) == [(1, "The file is empty.")]
    assert [line for line, _m in problems(parse_device_csv(organization, HEADER))] == [1]


def test_more_than_the_maximum_rows_is_one_error(organization, ipad, django_assert_num_queries):
    rows = [f"KG-{number},,Apple iPad 10. Generation" for number in range(MAX_ROWS + 1)]
    with django_assert_num_queries(0):
        result = parse_device_csv(organization, csv_file(HEADER, *rows))
    assert len(result.errors) == 1
    assert result.errors[0].line == MAX_ROWS + 2
    assert "too large" in result.errors[0].message
    assert result.rows == []


def test_exactly_the_maximum_rows_is_fine(organization, ipad):
    rows = [f"KG-{number},,Apple iPad 10. Generation" for number in range(MAX_ROWS)]
    result = parse_device_csv(organization, csv_file(HEADER, *rows))
    assert result.errors == [] and len(result.rows) == MAX_ROWS


@pytest.mark.parametrize(
    "data",
    [
        "\ufeffInventarnummer;Typ;Zubehör\r\nKG-1;Apple iPad 10. Generation;Ladegerät\r\n".encode(),
        "Inventarnummer;Typ;Zubehör\r\nKG-1;Apple iPad 10. Generation;Ladegerät\r\n".encode(),
        "Inventarnummer;Typ;Zubehör\r\nKG-1;Apple iPad 10. Generation;Ladegerät\r\n".encode(
            "cp1252"
        ),
        "\ufeffInventarnummer;Typ;Zubehör\nKG-1;Apple iPad 10. Generation;Ladegerät\n",
        "Inventarnummer\tTyp\tZubehör\nKG-1\tApple iPad 10. Generation\tLadegerät\n".encode(
            "utf-16"
        ),
    ],
    ids=["utf-8 with BOM", "utf-8", "cp1252 from Excel", "str with BOM", "utf-16 from Excel"],
)
def test_excel_encodings_are_read(organization, ipad, data):
    result = parse_device_csv(organization, data)
    assert result.errors == []
    assert (result.rows[0].asset_tag, result.rows[0].accessories) == ("KG-1", "Ladegerät")


def test_types_that_differ_only_in_the_operating_system_need_it_in_brackets(organization):
    DeviceType.objects.create(kind="tablet", make="Apple", model="iPad", operating_system="iOS 16")
    newer = DeviceType.objects.create(
        kind="tablet", make="Apple", model="iPad", operating_system="iPadOS 18"
    )
    result = parse_device_csv(
        organization, csv_file("asset_tag;type", "KG-1;Apple iPad", "KG-2;apple ipad (ipados 18)")
    )
    assert [line for line, _message in problems(result)] == [2]
    assert "several operating systems" in result.errors[0].message
    assert result.rows[0].device_type == newer


def test_the_export_is_excel_csv_with_the_english_column_names(organization, ipad, pool):
    Device.objects.create(
        organization=organization, device_type=ipad, asset_tag="KG-1", pool=pool, name="Büro"
    )
    text = export_devices_csv(Device.objects.select_related("device_type", "pool", "home_location"))
    assert text.startswith("\ufeff" + ";".join(COLUMNS) + "\r\n")
    assert "KG-1;;Apple iPad 10. Generation;Büro;Tablet-Koffer 1;;in_service;;\r\n" in text


def test_the_export_defuses_cells_that_excel_would_run_as_formulas(organization, ipad):
    Device.objects.create(
        organization=organization, device_type=ipad, asset_tag="KG-1", notes="=HYPERLINK(1)"
    )
    text = export_devices_csv(Device.objects.select_related("device_type", "pool", "home_location"))
    assert ";'=HYPERLINK(1)" in text


def device_facts(organization) -> list[tuple]:
    return list(
        Device.objects.filter(organization=organization)
        .order_by("asset_tag")
        .values_list(
            "asset_tag",
            "serial_number",
            "device_type",
            "name",
            "pool__name",
            "home_location__name",
            "status",
            "accessories",
            "notes",
        )
    )


def test_the_export_reimports_into_an_empty_organization_as_the_same_devices(
    organization, other_organization, staff, ipad, laptop
):
    # Types differing only in the operating system must come back as the same type.
    ipad_ios = DeviceType.objects.create(
        kind="tablet", make="Apple", model="iPad 10. Generation", operating_system="iPadOS 18"
    )
    for org in (organization, other_organization):
        DevicePool.objects.create(organization=org, name="Geräteset Grundschule")
        Location.objects.create(organization=org, name="Bücherei, 1. Stock")
    source_pool = DevicePool.objects.get(organization=other_organization)
    source_room = Location.objects.get(organization=other_organization)
    for number, (device_type, status) in enumerate(
        [(ipad, "in_service"), (ipad_ios, "lost"), (laptop, "in_repair"), (laptop, "retired")]
    ):
        Device.objects.create(
            organization=other_organization,
            device_type=device_type,
            asset_tag=f"SB-{number:03}",
            serial_number=f"-{number}A" if number % 2 else f"DMPX{number}",
            name=f"Gerät „{number}“; Ärger",
            pool=source_pool if number < 3 else None,
            home_location=source_room if number != 1 else None,
            status=status,
            accessories="Ladegerät, Stift",
            notes="Display gesprungen\nHülle fehlt" if number == 2 else "=1+1",
        )
    exported = export_devices_csv(
        Device.objects.filter(organization=other_organization).select_related(
            "device_type", "pool", "home_location"
        )
    )

    result = parse_device_csv(organization, exported.encode("utf-8"))
    assert result.errors == []
    assert import_devices(by=staff, organization=organization, rows=result.rows) == 4

    assert device_facts(organization) == device_facts(other_organization)
    assert len(device_facts(organization)) == 4


@pytest.mark.parametrize("count", [3, 300])
def test_parsing_runs_a_constant_number_of_queries(
    organization, ipad, pool, room, count, django_assert_max_num_queries
):
    for number in range(count):
        Device.objects.create(
            organization=organization, device_type=ipad, asset_tag=f"OLD-{number}"
        )
    rows = [
        f"KG-{number},,Apple iPad 10. Generation,,Tablet-Koffer 1,Raum 204,,,"
        for number in range(count)
    ]
    with django_assert_max_num_queries(4):
        result = parse_device_csv(organization, csv_file(HEADER, *rows))
    assert result.errors == [] and len(result.rows) == count
