"""Inventory as CSV: read a file into import rows (with every problem per line) and write one.

The parser only reads the database (a fixed handful of queries, whatever the row count) and
never writes: the caller shows the preview and the errors, and only a file without errors goes
to ``services.import_devices``. The export re-imports cleanly into an organization that has
pools, locations and device types of the same names.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import spreadsheet
from organizations.models import Location, Organization

from .models import Device, DevicePool, DeviceType
from .services import ImportRow

COLUMNS: tuple[str, ...] = (
    "asset_tag",
    "serial_number",
    "type",
    "name",
    "pool",
    "location",
    "status",
    "accessories",
    "notes",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("asset_tag", "type")

# The headers of the German template; read case-insensitively like the English names.
GERMAN_HEADERS: dict[str, str] = {
    "asset_tag": "Inventarnummer",
    "serial_number": "Seriennummer",
    "type": "Typ",
    "name": "Name",
    "pool": "Geräteset/Pool",
    "location": "Standort",
    "status": "Status",
    "accessories": "Zubehör",
    "notes": "Notizen",
}

MAX_ROWS = 10_000

# The model fields behind the free-text columns, for their max_length and verbose name.
TEXT_FIELDS: dict[str, str] = {
    "asset_tag": "asset_tag",
    "serial_number": "serial_number",
    "name": "name",
    "accessories": "accessories",
    "notes": "notes",
}


def _normalise(text: str) -> str:
    """Case and runs of whitespace do not matter when names are compared."""
    return " ".join(text.split()).casefold()


HEADER_ALIASES: dict[str, str] = {
    **{_normalise(column): column for column in COLUMNS},
    **{_normalise(column.replace("_", " ")): column for column in COLUMNS},
    **{_normalise(header): column for column, header in GERMAN_HEADERS.items()},
    "geräteset": "pool",
    "device type": "type",
}


@dataclass(frozen=True)
class RowError:
    """A problem on one physical line of the file (the header is line 1)."""

    line: int
    message: str


@dataclass
class ParseResult:
    """The valid rows and the problems of a file. Import only when ``errors`` is empty."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


# --- Reading ---------------------------------------------------------------------------------


def decode_csv(data: bytes | str) -> str | None:
    """The text of an uploaded file: UTF-8 with or without BOM, UTF-16 with BOM ("Unicode
    text" from Excel), else Excel's cp1252; None if it is none of them. Views that keep the
    upload for a confirm step should decode it with this, as the parser does."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _sniff_delimiter(text: str) -> str:
    """The separator the header line uses most: Excel writes ';' in Germany, ',' elsewhere."""
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ";"


def _records(
    text: str, delimiter: str, limit: int
) -> tuple[list[tuple[int, list[str]]], RowError | None]:
    """Up to ``limit`` non-blank records, each with the physical line it starts on (a quoted
    value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if any(value.strip() for value in fields):
                records.append((line, fields))
                if len(records) == limit:
                    break
    except csv.Error:
        return records, RowError(
            start, _("This line is not valid CSV: check the quotation marks on it.")
        )
    return records, None


def _unescape(value: str) -> str:
    # The export writes formula-like cells with an apostrophe; the round trip keeps the value.
    return spreadsheet.unescape_cell(value.strip())


def _map_header(line: int, header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Which column index holds which field; errors for unknown, doubled and missing ones."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    doubled: list[str] = []
    for index, raw in enumerate(header):
        name = _normalise(raw)
        if not name:  # Excel's trailing separators
            continue
        column = HEADER_ALIASES.get(name)
        if column is None:
            unknown.append(raw.strip())
        elif column in positions:
            doubled.append(raw.strip())
        else:
            positions[column] = index
    errors = []
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        errors.append(
            RowError(
                line,
                ngettext(
                    "The required column %(columns)s is missing from the header.",
                    "The required columns %(columns)s are missing from the header.",
                    len(missing),
                )
                % {"columns": _join(f"{column} ({GERMAN_HEADERS[column]})" for column in missing)},
            )
        )
    if unknown:
        errors.append(
            RowError(
                line,
                ngettext(
                    "Unknown column %(columns)s. Known columns are: %(known)s.",
                    "Unknown columns %(columns)s. Known columns are: %(known)s.",
                    len(unknown),
                )
                % {"columns": _join(unknown), "known": ", ".join(COLUMNS)},
            )
        )
    if doubled:
        errors.append(
            RowError(
                line,
                _("These columns appear more than once: %(columns)s.")
                % {"columns": _join(doubled)},
            )
        )
    return positions, errors


def _join(names: Iterable[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


class _Lookups:
    """Everything a row is checked against, loaded with one query per table."""

    def __init__(self, organization: Organization) -> None:
        self.existing_tags = set(
            Device.objects.filter(organization=organization).values_list("asset_tag", flat=True)
        )
        self.types_by_name: dict[str, list[DeviceType]] = defaultdict(list)
        self.types_with_os: dict[str, DeviceType] = {}
        for device_type in DeviceType.objects.all():
            self.types_by_name[_normalise(f"{device_type.make} {device_type.model}")].append(
                device_type
            )
            if device_type.operating_system:
                self.types_with_os[_normalise(_type_label(device_type, with_os=True))] = device_type
        self.pools = _NameIndex(DevicePool.objects.filter(organization=organization))
        self.locations = _NameIndex(Location.objects.filter(organization=organization))
        self.statuses: dict[str, str] = {}
        for status in Device.Status:
            self.statuses[status.value.casefold()] = status.value
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    self.statuses[_normalise(str(status.label))] = status.value

    def device_type(self, text: str) -> DeviceType | list[DeviceType] | None:
        """The type named "make model" (or "make model (operating system)"); a list when the
        name fits several types."""
        key = _normalise(text)
        if key in self.types_with_os:
            return self.types_with_os[key]
        candidates = self.types_by_name.get(key, [])
        if len(candidates) > 1:
            without_os = [t for t in candidates if not t.operating_system]
            return without_os[0] if len(without_os) == 1 else candidates
        return candidates[0] if candidates else None


class _NameIndex:
    """Pools or locations by name: the exact name first, else a case-insensitive match, but
    only where it points to a single one."""

    def __init__(self, objects: Iterable[DevicePool | Location]) -> None:
        self.exact: dict[str, DevicePool | Location] = {}
        self.folded: dict[str, list[DevicePool | Location]] = defaultdict(list)
        for obj in objects:
            self.exact[obj.name] = obj
            self.folded[_normalise(obj.name)].append(obj)

    def find(self, name: str) -> DevicePool | Location | None:
        if name in self.exact:
            return self.exact[name]
        matches = self.folded.get(_normalise(name), [])
        return matches[0] if len(matches) == 1 else None


def _type_label(device_type: DeviceType, *, with_os: bool = False) -> str:
    label = f"{device_type.make} {device_type.model}"
    return f"{label} ({device_type.operating_system})" if with_os else label


def _check_row(
    line: int,
    values: dict[str, str],
    lookups: _Lookups,
    seen: dict[str, int],
) -> tuple[ImportRow | None, list[RowError]]:
    messages: list[str] = []
    if any("\x00" in value for value in values.values()):
        messages.append(_("This line contains a null character: save the file again as CSV."))

    asset_tag = values.get("asset_tag", "")
    if not asset_tag:
        messages.append(_("The asset tag is missing."))
    elif asset_tag in seen:
        messages.append(
            _("The asset tag “%(tag)s” appears twice in the file: first on line %(line)d.")
            % {"tag": asset_tag, "line": seen[asset_tag]}
        )
    elif asset_tag in lookups.existing_tags:
        messages.append(
            _("There is already a device with the asset tag “%(tag)s” in this organization.")
            % {"tag": asset_tag}
        )
    if asset_tag and asset_tag not in seen:
        seen[asset_tag] = line

    for column, field_name in TEXT_FIELDS.items():
        max_length = Device._meta.get_field(field_name).max_length
        value = values.get(column, "")
        if max_length and len(value) > max_length:
            messages.append(
                _("%(field)s is too long: %(length)d characters, at most %(max)d allowed.")
                % {
                    "field": capfirst(Device._meta.get_field(field_name).verbose_name),
                    "length": len(value),
                    "max": max_length,
                }
            )

    type_name = values.get("type", "")
    device_type = lookups.device_type(type_name) if type_name else None
    if not type_name:
        messages.append(_("The device type is missing."))
    elif device_type is None:
        messages.append(
            _(
                "Unknown device type “%(type)s”: write make and model as in the list of device "
                "types, e.g. “Apple iPad 10. Generation”."
            )
            % {"type": type_name}
        )
    elif isinstance(device_type, list):
        messages.append(
            _(
                "The device type “%(type)s” exists for several operating systems: add the one "
                "you mean in brackets, e.g. “%(example)s”."
            )
            % {"type": type_name, "example": _type_label(device_type[0], with_os=True)}
        )

    pool = None
    if pool_name := values.get("pool", ""):
        pool = lookups.pools.find(pool_name)
        if pool is None:
            messages.append(
                _("Unknown pool “%(pool)s”: this organization has no pool of that name.")
                % {"pool": pool_name}
            )

    location = None
    if location_name := values.get("location", ""):
        location = lookups.locations.find(location_name)
        if location is None:
            messages.append(
                _(
                    "Unknown location “%(location)s”: this organization has no location of that "
                    "name."
                )
                % {"location": location_name}
            )

    status = Device.Status.IN_SERVICE.value
    if status_text := values.get("status", ""):
        status = lookups.statuses.get(_normalise(status_text))
        if status is None:
            messages.append(
                _("Unknown status “%(status)s”: use one of %(choices)s.")
                % {"status": status_text, "choices": _join(Device.Status.labels)}
            )

    if messages:
        return None, [RowError(line, message) for message in messages]
    return ImportRow(
        line=line,
        asset_tag=asset_tag,
        device_type=device_type,
        serial_number=values.get("serial_number", ""),
        name=values.get("name", ""),
        pool=pool,
        home_location=location,
        status=status,
        accessories=values.get("accessories", ""),
        notes=values.get("notes", ""),
    ), []


def _failed(line: int, message: str) -> ParseResult:
    return ParseResult(errors=[RowError(line, message)])


def parse_device_csv(organization: Organization, data: bytes | str) -> ParseResult:
    """Read an inventory file for ``organization`` and check every row; write nothing.

    Line numbers are the file's physical lines (the header is line 1), so that a person finds
    the row in a text editor or, without multi-line notes, in Excel. Runs four queries, however
    long the file is.
    """
    text = decode_csv(data)
    if text is None:
        return _failed(1, _("The file could not be read: save it as “CSV UTF-8” and try again."))
    # The header, MAX_ROWS devices, and one more to tell that the file is too large.
    records, read_error = _records(text, _sniff_delimiter(text), limit=MAX_ROWS + 2)
    if read_error is not None:
        return ParseResult(errors=[read_error])
    if not records:
        return _failed(1, _("The file is empty."))

    header_line, header = records[0]
    positions, header_errors = _map_header(header_line, header)
    if header_errors:
        return ParseResult(errors=header_errors)
    body = records[1:]
    if not body:
        return _failed(header_line, _("The file has a header but no devices."))
    if len(body) > MAX_ROWS:
        message = _(
            "The file is too large: at most %(max)s devices can be imported at once. Please "
            "split it into smaller files."
        ) % {"max": number_format(MAX_ROWS, force_grouping=True)}
        return _failed(body[MAX_ROWS][0], message)

    lookups = _Lookups(organization)
    result = ParseResult()
    seen: dict[str, int] = {}
    width = len(header)
    for line, fields in body:
        if any(value.strip() for value in fields[width:]):
            result.errors.append(
                RowError(
                    line,
                    _("This line has %(count)d values, but the header only %(columns)d columns.")
                    % {"count": len(fields), "columns": width},
                )
            )
            continue
        values = {
            column: _unescape(fields[index]) if index < len(fields) else ""
            for column, index in positions.items()
        }
        row, errors = _check_row(line, values, lookups, seen)
        if row is not None:
            result.rows.append(row)
        result.errors.extend(errors)
    return result


# --- Writing ---------------------------------------------------------------------------------


def export_devices_csv(devices: Iterable[Device]) -> str:
    """The devices as CSV for Excel: ';'-separated, with a BOM so that umlauts show, and the
    English column names of COLUMNS. Pass a queryset with
    ``select_related("device_type", "pool", "home_location")``.

    A type is written as "make model", with the operating system in brackets only where several
    types share make and model, so that the file reads back to the same type.
    """
    shared_names = {
        name
        for name, count in Counter(
            _normalise(f"{make} {model}")
            for make, model in DeviceType.objects.values_list("make", "model")
        ).items()
        if count > 1
    }
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = spreadsheet.writer(buffer)
    writer.writerow(COLUMNS)
    for device in devices:
        device_type = device.device_type
        ambiguous = _normalise(_type_label(device_type)) in shared_names
        writer.writerow(
            (
                device.asset_tag,
                device.serial_number,
                _type_label(device_type, with_os=ambiguous and bool(device_type.operating_system)),
                device.name,
                device.pool.name if device.pool else "",
                device.home_location.name if device.home_location else "",
                device.status,
                device.accessories,
                device.notes,
            )
        )
    return buffer.getvalue()
