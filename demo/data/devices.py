"""The demo inventory: device types, pools (Gerätesets) and devices of the demo region.

Plain data, read by ``demo/devices.py`` when ``manage.py seed_demo`` runs. Organizations are
named by their slug and rooms by their Location name, exactly as in
``demo/data/organizations.py``; people by email.

Every pool holds ``count`` devices of one type, numbered from ``first``. A device's asset
tag and name are ``asset_tag`` and ``device_name`` formatted with ``number`` (its running
number in the organization's inventory) and ``n`` (its place in the pool, 1 …); asset tags
follow each organization's own style. Serial numbers are made up from the type's
``serial`` pattern (``?`` a letter or digit, ``#`` a digit, anything else as written), the
same on every run. ``not_in_service`` lists the devices of a pool that are in repair or
lost: number → (status, reason, days since the status changed).

``added`` is when the devices were added to the inventory (the school year or the month
they were bought); it becomes the date of their "created" history entry.
"""

from __future__ import annotations

import datetime
from typing import Any

D = datetime.date

IN_REPAIR = "in_repair"
LOST = "lost"

# Keyed by a short name that the pools below refer to.
DEVICE_TYPES: dict[str, dict[str, str]] = {
    "ipad-10": {
        "kind": "tablet",
        "make": "Apple",
        "model": "iPad 10. Generation",
        "operating_system": "iPadOS",
        "serial": "??????????",
    },
    "ipad-air-m2": {
        "kind": "tablet",
        "make": "Apple",
        "model": 'iPad Air 11" M2',
        "operating_system": "iPadOS",
        "serial": "??????????",
    },
    "galaxy-tab-a9plus": {
        "kind": "tablet",
        "make": "Samsung",
        "model": "Galaxy Tab A9+",
        "operating_system": "Android",
        "serial": "R9TW#0?????",
    },
    "thinkpad-l14": {
        "kind": "laptop",
        "make": "Lenovo",
        "model": "ThinkPad L14 Gen 4",
        "operating_system": "Windows 11",
        "serial": "PF4?????",
    },
    "thinkpad-e14": {
        "kind": "laptop",
        "make": "Lenovo",
        "model": "ThinkPad E14 Gen 5",
        "operating_system": "Ubuntu 24.04 LTS",
        "serial": "PF5?????",
    },
    "latitude-3440": {
        "kind": "laptop",
        "make": "Dell",
        "model": "Latitude 3440",
        "operating_system": "Windows 11",
        "serial": "???????",
    },
    "chromebook-spin-314": {
        "kind": "laptop",
        "make": "Acer",
        "model": "Chromebook Spin 314",
        "operating_system": "ChromeOS",
        "serial": "NXKE4EG00######???7600",
    },
    "tolino-vision-6": {
        "kind": "ereader",
        "make": "tolino",
        "model": "vision 6",
        "operating_system": "",
        "serial": "T6V##########",
    },
}

# Settings shared by pools of one sort; each pool below spells out or overrides them.
# Teachers book a school's carts for lesson periods, the same day at the latest; a desk
# loan of a cart comes back the same day.
SCHOOL_CART: dict[str, Any] = {
    "booking_scope": "members",
    "max_booking_hours": 8,
    "min_notice_hours": 0,
    "max_days_ahead": 120,
    "per_person_limit": 0,
    "loan_period_days": 1,
    "max_renewals": 0,
}
# Libraries lend single devices to residents for two or three weeks; the staff reset a
# device before it goes out again, hence a day's notice.
LIBRARY_LOAN: dict[str, Any] = {
    "booking_scope": "residents",
    "max_booking_hours": 8,
    "min_notice_hours": 24,
    "max_days_ahead": 28,
    "per_person_limit": 1,
    "loan_period_days": 14,
    "max_renewals": 1,
}
# Course sets are planned with the term's programme, and a whole-day course is long.
COURSE_SET: dict[str, Any] = {
    "booking_scope": "members",
    "max_booking_hours": 10,
    "min_notice_hours": 48,
    "max_days_ahead": 180,
    "per_person_limit": 0,
    "loan_period_days": 1,
    "max_renewals": 0,
}

IPAD_CASE_ACCESSORIES = "USB-C-Ladekabel, Schutzhülle, Stift"
LAPTOP_CART_ACCESSORIES = "Netzteil (USB-C), Maus"

POOLS: list[dict[str, Any]] = [
    # --- Stadt Aschaffenburg ----------------------------------------------------------------
    {
        **SCHOOL_CART,
        "organization": "kronberg-gymnasium",
        "name": "iPad-Koffer 1 (32 iPads)",
        "location": "Medienraum 1.12",
        "description": (
            "Klassensatz iPads im abschließbaren Ladekoffer für den Fachunterricht. Die Geräte "
            "werden zentral verwaltet; zusätzliche Apps bitte zwei Wochen vorher beim "
            "Medienteam anfragen."
        ),
        "return_checklist": "32 iPads\n32 Ladekabel\n32 Stifte\n1 Ladekoffer mit Schlüssel",
        "min_notice_hours": 2,
        "device_type": "ipad-10",
        "count": 32,
        "first": 1,
        "asset_tag": "KRG-IPAD-{number:03d}",
        "device_name": "iPad {number:02d}",
        "accessories": IPAD_CASE_ACCESSORIES,
        "added": D(2024, 9, 16),
        "not_in_service": {7: (IN_REPAIR, "Display gesprungen", 12)},
    },
    {
        **SCHOOL_CART,
        "organization": "kronberg-gymnasium",
        "name": "iPad-Koffer 2 (32 iPads)",
        "location": "Geräteausgabe im Sekretariat",
        "description": (
            "Zweiter Klassensatz iPads, gleich eingerichtet wie Koffer 1. Ausgabe und Rückgabe "
            "im Sekretariat; wer die Stufen nicht nehmen kann, klingelt am Seiteneingang."
        ),
        "return_checklist": "32 iPads\n32 Ladekabel\n32 Stifte\n1 Ladekoffer mit Schlüssel",
        "min_notice_hours": 2,
        "device_type": "ipad-10",
        "count": 32,
        "first": 33,
        "asset_tag": "KRG-IPAD-{number:03d}",
        "device_name": "iPad {number:02d}",
        "accessories": IPAD_CASE_ACCESSORIES,
        "added": D(2025, 2, 24),
        "not_in_service": {
            41: (
                LOST,
                "Nach dem Projekttag nicht in den Koffer zurückgelegt, im Haus nicht auffindbar",
                34,
            ),
            52: (IN_REPAIR, "Ladebuchse ohne Kontakt, lädt nicht mehr", 5),
        },
    },
    {
        **SCHOOL_CART,
        "organization": "kronberg-gymnasium",
        "name": "Laptopwagen (16 Laptops)",
        "location": "Schulbibliothek",
        "description": (
            "Windows-Laptops für Seminare, Recherche und Präsentationen der Oberstufe. Der Wagen "
            "steht in der Schulbibliothek und wird dort auch wieder angeschlossen."
        ),
        "return_checklist": "16 Laptops\n16 Netzteile\n16 Mäuse\n1 Laptopwagen mit Schlüssel",
        "min_notice_hours": 12,
        "device_type": "thinkpad-l14",
        "count": 16,
        "first": 1,
        "asset_tag": "KRG-NB-{number:03d}",
        "device_name": "Laptop {number:02d}",
        "accessories": LAPTOP_CART_ACCESSORIES,
        "added": D(2025, 9, 15),
        "not_in_service": {5: (IN_REPAIR, "Tastatur: mehrere Tasten ohne Funktion", 19)},
    },
    {
        **SCHOOL_CART,
        "organization": "gs-schweinheim",
        "name": "Tablet-Wagen (20 Tablets)",
        "location": "Computerraum",
        "description": (
            "Android-Tablets für die Klassen 1 bis 4 mit Lese-, Schreib- und Rechenapps. "
            "Kinderprofil ohne App-Store und ohne freies Surfen; Kopfhörer liegen bei."
        ),
        "return_checklist": "20 Tablets\n20 Ladekabel\n20 Kopfhörer\n1 Ladewagen mit Schlüssel",
        "max_booking_hours": 6,
        "max_days_ahead": 90,
        "device_type": "galaxy-tab-a9plus",
        "count": 20,
        "first": 1,
        "asset_tag": "GSS-TAB-{number:02d}",
        "device_name": "Tablet {number:02d}",
        "accessories": "Ladekabel, Kinder-Schutzhülle mit Griff, Kopfhörer",
        "added": D(2025, 3, 10),
        "not_in_service": {14: (IN_REPAIR, "Touchscreen reagiert unten nicht mehr", 8)},
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbibliothek-aschaffenburg",
        "name": "Leih-Laptops",
        "location": "Ausleihtheke",
        "description": (
            "Laptops zum Mitnehmen für alle mit Bibliotheksausweis: für Bewerbungen, "
            "Online-Formulare und Hausaufgaben. Ubuntu mit LibreOffice und Firefox; bei der "
            "Rückgabe werden alle Daten gelöscht."
        ),
        "return_checklist": "1 Laptop\n1 Netzteil\n1 Maus\n1 Tragetasche",
        "loan_period_days": 21,
        "device_type": "thinkpad-e14",
        "count": 12,
        "first": 1,
        "asset_tag": "STB-LT-{number:02d}",
        "device_name": "Leih-Laptop {number:02d}",
        "accessories": "Netzteil, Maus, Tragetasche",
        "added": D(2024, 11, 4),
        "not_in_service": {7: (IN_REPAIR, "Scharnier links gebrochen", 16)},
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbibliothek-aschaffenburg",
        "name": "Leih-Tablets",
        "location": "Ausleihtheke",
        "description": (
            "iPads für zu Hause, z. B. für Videotelefonie, die Onleihe und Online-Termine beim "
            "Amt. Mit einer Kurzanleitung in Einfacher Sprache."
        ),
        "return_checklist": "1 iPad\n1 Netzteil mit Kabel\n1 Schutzhülle\n1 Kurzanleitung",
        "max_renewals": 2,
        "device_type": "ipad-10",
        "count": 10,
        "first": 1,
        "asset_tag": "STB-TB-{number:02d}",
        "device_name": "Leih-Tablet {number:02d}",
        "accessories": "USB-C-Netzteil mit Kabel, Schutzhülle",
        "added": D(2025, 1, 20),
        "not_in_service": {
            4: (LOST, "Nach der Ausleihe nicht zurückgegeben, Mahnverfahren läuft", 47),
        },
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbibliothek-aschaffenburg",
        "name": "Leih-E-Reader",
        "location": "Ausleihtheke",
        "description": (
            "tolino-E-Reader mit eingerichtetem Onleihe-Zugang der Bibliothek: wasserfest, mit "
            "Leselicht und einstellbarer Schriftgröße."
        ),
        "return_checklist": "1 E-Reader\n1 USB-C-Kabel\n1 Schutzhülle",
        "loan_period_days": 21,
        "max_renewals": 2,
        "device_type": "tolino-vision-6",
        "count": 6,
        "first": 1,
        "asset_tag": "STB-ER-{number:02d}",
        "device_name": "E-Reader {number:02d}",
        "accessories": "USB-C-Kabel, Schutzhülle",
        "added": D(2025, 10, 1),
    },
    {
        **COURSE_SET,
        "organization": "vhs-aschaffenburg",
        "name": "Kurs-Laptops",
        "location": "Kursraum 2.11",
        "description": (
            "Laptops für Office-, Internet- und Datenschutzkurse im Kursraum 2.11 und in den "
            "Außenstellen. Windows 11 mit Office und Übungsdateien; nach jedem Kurs "
            "zurückgesetzt."
        ),
        "return_checklist": "14 Laptops\n14 Netzteile\n14 Mäuse\n1 Transportkiste",
        "device_type": "thinkpad-l14",
        "count": 14,
        "first": 1,
        "asset_tag": "VHS-AB-NB-{number:02d}",
        "device_name": "Kurs-Laptop {number:02d}",
        "accessories": "Netzteil, Maus",
        "added": D(2024, 8, 26),
        "not_in_service": {
            9: (IN_REPAIR, "Startet nicht mehr, zur Garantiereparatur beim Händler", 22),
        },
    },
    {
        **COURSE_SET,
        "organization": "vhs-aschaffenburg",
        "name": "Kurs-Tablets",
        "location": "Servicebüro",
        "description": (
            "iPads für Tablet-Einsteigerkurse, vor allem für Seniorinnen und Senioren: große "
            "Schrift und Zoom sind voreingestellt. Abholung im Servicebüro."
        ),
        "return_checklist": "10 iPads\n10 Ladekabel\n1 Mehrfachladegerät\n1 Transportkoffer",
        "device_type": "ipad-10",
        "count": 10,
        "first": 1,
        "asset_tag": "VHS-AB-TAB-{number:02d}",
        "device_name": "Kurs-iPad {number:02d}",
        "accessories": "USB-C-Ladekabel, Schutzhülle mit Aufsteller",
        "added": D(2026, 2, 2),
    },
    {
        **SCHOOL_CART,
        "organization": "seniorenbuero-aschaffenburg",
        "name": "Übungs-Tablets",
        "location": "Begegnungsraum",
        "description": (
            "Tablets zum Üben in der Digitalsprechstunde, wenn jemand (noch) kein eigenes Gerät "
            "hat: Videotelefonie, Fotos, Online-Termine. Sie bleiben im Haus."
        ),
        "return_checklist": "5 Tablets\n5 Ladekabel\n5 Eingabestifte",
        "max_booking_hours": 4,
        "max_days_ahead": 60,
        "device_type": "galaxy-tab-a9plus",
        "count": 5,
        "first": 1,
        "asset_tag": "SB-TAB-{number}",
        "device_name": "Übungstablet {number}",
        "accessories": "Ladekabel, Hülle mit Aufsteller, Eingabestift",
        "added": D(2025, 5, 12),
    },
    # --- Landkreis Aschaffenburg ------------------------------------------------------------
    {
        **SCHOOL_CART,
        "organization": "spessart-gymnasium-alzenau",
        "name": "iPad-Koffer (24 iPads)",
        "location": "Medienraum",
        "description": (
            "Klassensatz iPads für alle Fachschaften, im Ladekoffer im Medienraum. Bitte nach "
            "der Stunde alle Geräte wieder einstecken, damit die nächste Klasse laden kann."
        ),
        "return_checklist": "24 iPads\n24 Ladekabel\n1 Ladekoffer mit Schlüssel",
        "device_type": "ipad-10",
        "count": 24,
        "first": 1,
        "asset_tag": "SPG-IP-{number:02d}",
        "device_name": "iPad {number:02d}",
        "accessories": "USB-C-Ladekabel, Schutzhülle",
        "added": D(2023, 9, 18),
    },
    {
        **SCHOOL_CART,
        "organization": "spessart-gymnasium-alzenau",
        "name": "Laptopwagen 1 (15 Laptops)",
        "location": "Medienraum",
        "description": "Windows-Laptops für Informatik, Recherche und Referate.",
        "return_checklist": "15 Laptops\n15 Netzteile\n15 Mäuse\n1 Laptopwagen mit Schlüssel",
        "min_notice_hours": 12,
        "device_type": "latitude-3440",
        "count": 15,
        "first": 1,
        "asset_tag": "SPG-L1-{number:02d}",
        "device_name": "Laptop 1-{number:02d}",
        "accessories": LAPTOP_CART_ACCESSORIES,
        "added": D(2024, 2, 5),
    },
    {
        **SCHOOL_CART,
        "organization": "spessart-gymnasium-alzenau",
        "name": "Laptopwagen 2 (15 Laptops)",
        "location": "Bibliothek",
        "description": (
            "Zweiter Laptopwagen, gleich ausgestattet wie Wagen 1; er steht in der Bibliothek "
            "im Neubau (Aufzug neben der Aula)."
        ),
        "return_checklist": "15 Laptops\n15 Netzteile\n15 Mäuse\n1 Laptopwagen mit Schlüssel",
        "min_notice_hours": 12,
        "device_type": "latitude-3440",
        "count": 15,
        "first": 1,
        "asset_tag": "SPG-L2-{number:02d}",
        "device_name": "Laptop 2-{number:02d}",
        "accessories": LAPTOP_CART_ACCESSORIES,
        "added": D(2024, 9, 9),
        "not_in_service": {
            3: (IN_REPAIR, "Wasserschaden nach umgestoßener Trinkflasche", 27),
        },
    },
    {
        **SCHOOL_CART,
        "organization": "mittelschule-hoesbach",
        "name": "Laptopwagen (16 Laptops)",
        "location": "PC-Raum 012",
        "description": (
            "Windows-Laptops für Bewerbungstraining, Berufsorientierung und den Informatik-"
            "unterricht, mit Office und Lernprogrammen."
        ),
        "return_checklist": "16 Laptops\n16 Netzteile\n16 Mäuse\n1 Laptopwagen mit Schlüssel",
        "device_type": "latitude-3440",
        "count": 16,
        "first": 1,
        "asset_tag": "MSH-NB-{number:02d}",
        "device_name": "Laptop {number:02d}",
        "accessories": LAPTOP_CART_ACCESSORIES,
        "added": D(2024, 10, 7),
    },
    {
        **SCHOOL_CART,
        "organization": "mittelschule-hoesbach",
        "name": "Chromebooks Praxisklasse (8)",
        "location": "Werkraum Technik",
        "description": (
            "Robuste Chromebooks mit Stift für die Praxisklasse, auch zur Fotodokumentation in "
            "der Werkstatt. Nach der Stunde bitte abmelden."
        ),
        "return_checklist": "8 Chromebooks\n8 Netzteile\n8 Stifte\n1 Transportbox",
        "max_booking_hours": 6,
        "device_type": "chromebook-spin-314",
        "count": 8,
        "first": 1,
        "asset_tag": "MSH-CB-{number:02d}",
        "device_name": "Chromebook {number:02d}",
        "accessories": "Netzteil (USB-C), Stift",
        "added": D(2025, 4, 28),
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbibliothek-alzenau",
        "name": "Leih-Tablets",
        "location": "Ausleihtheke",
        "description": (
            "Android-Tablets mit Onleihe, Lern- und Leseapps: für Familien und für alle, die "
            "ein Tablet ausprobieren möchten, bevor sie eines kaufen."
        ),
        "return_checklist": "1 Tablet\n1 Ladegerät\n1 Schutzhülle",
        "device_type": "galaxy-tab-a9plus",
        "count": 8,
        "first": 1,
        "asset_tag": "BIB-ALZ-T{number:02d}",
        "device_name": "Leih-Tablet {number}",
        "accessories": "Ladegerät, Schutzhülle",
        "added": D(2025, 6, 2),
    },
    # --- Landkreis Miltenberg ---------------------------------------------------------------
    {
        **SCHOOL_CART,
        "organization": "hsg-erlenbach",
        "name": "iPad-Koffer 1 (24 iPads)",
        "location": "Informatikraum 2.07",
        "description": (
            "Tablet-Klassensatz, den sich mehrere Fachschaften teilen. Abholung und Rückgabe im "
            "Informatikraum 2.07 (Aufzug im Treppenhaus Nord)."
        ),
        "return_checklist": "24 iPads\n24 Ladekabel\n24 Stifte\n1 Ladekoffer mit Schlüssel",
        "device_type": "ipad-10",
        "count": 24,
        "first": 101,
        "asset_tag": "HSG-2024-{number:04d}",
        "device_name": "iPad 1-{n:02d}",
        "accessories": IPAD_CASE_ACCESSORIES,
        "added": D(2024, 9, 23),
        "not_in_service": {117: (IN_REPAIR, "Akku hält keine Doppelstunde mehr", 3)},
    },
    {
        # The one school pool that teachers of the whole region may book, with approval.
        **SCHOOL_CART,
        "organization": "hsg-erlenbach",
        "name": "iPad-Air-Koffer Region (16 iPads)",
        "location": "Informatikraum 2.07",
        "description": (
            "iPads Air mit Apple Pencil für Kunst-, Film- und Designprojekte. Der Koffer wird "
            "mit den Schulen der Region geteilt: Lehrkräfte anderer Schulen buchen ihn hier, das "
            "Medienteam des HSG gibt die Buchung frei."
        ),
        "return_checklist": (
            "16 iPads Air\n16 Apple Pencil\n16 Ladekabel\n1 Koffer mit Zahlenschloss"
        ),
        "booking_scope": "region",
        "min_notice_hours": 72,
        "max_days_ahead": 60,
        "per_person_limit": 16,
        "loan_period_days": 7,
        "device_type": "ipad-air-m2",
        "count": 16,
        "first": 1,
        "asset_tag": "HSG-2025-{number:04d}",
        "device_name": "iPad Air {n:02d}",
        "accessories": "USB-C-Ladekabel, Hülle mit Tastatur, Apple Pencil Pro",
        "added": D(2025, 7, 14),
        "not_in_service": {
            9: (IN_REPAIR, "Gehäuse nach Sturz verbogen, Kostenvoranschlag angefragt", 11),
        },
    },
    {
        **SCHOOL_CART,
        "organization": "realschule-erlenbach",
        "name": "Laptopwagen IT (20 Laptops)",
        "location": "IT-Raum 104",
        "description": (
            "Laptops für den IT-Unterricht und Projektarbeit in allen Zweigen. Solange der "
            "Aufzug außer Betrieb ist, bringt die Systembetreuung den Wagen auf Anfrage ins "
            "Erdgeschoss."
        ),
        "return_checklist": "20 Laptops\n20 Netzteile\n20 Mäuse\n1 Laptopwagen mit Schlüssel",
        "min_notice_hours": 24,
        "device_type": "thinkpad-l14",
        "count": 20,
        "first": 1,
        "asset_tag": "RSE-LT-{number:02d}",
        "device_name": "Laptop {number:02d}",
        "accessories": LAPTOP_CART_ACCESSORIES,
        "added": D(2024, 3, 4),
        "not_in_service": {
            15: (IN_REPAIR, "Akku aufgebläht, Gerät zur Sicherheit außer Betrieb", 6),
        },
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbuecherei-obernburg",
        "name": "Leih-Laptops",
        "location": "Ausleihtheke",
        "description": (
            "Zwei Laptops für alle, die zu Hause keinen Computer haben: Windows 11 mit "
            "LibreOffice und Firefox. Ausleihe mit Bibliotheksausweis."
        ),
        "return_checklist": "1 Laptop\n1 Netzteil\n1 Tasche",
        "device_type": "latitude-3440",
        "count": 2,
        "first": 1,
        "asset_tag": "SBO-LT{number}",
        "device_name": "Leih-Laptop {number}",
        "accessories": "Netzteil, Tasche",
        "added": D(2024, 11, 4),
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbuecherei-miltenberg",
        "name": "Leih-Tablets",
        "location": "Ausleihtheke",
        "description": (
            "iPads mit vorinstallierten Lern- und Vorleseapps, auch in Einfacher Sprache; mit "
            "Kinderprofil für Kinder ab 6 Jahren."
        ),
        "return_checklist": "1 iPad\n1 Ladegerät mit Kabel\n1 Schutzhülle\n1 Kinderkopfhörer",
        "loan_period_days": 21,
        "max_renewals": 2,
        "device_type": "ipad-10",
        "count": 6,
        "first": 1,
        "asset_tag": "SBM-TAB-{number:02d}",
        "device_name": "Leih-Tablet {number}",
        "accessories": "Ladegerät mit Kabel, Schutzhülle, Kinderkopfhörer",
        "added": D(2024, 4, 15),
        "not_in_service": {5: (IN_REPAIR, "Akku lädt nicht mehr", 9)},
    },
    {
        **LIBRARY_LOAN,
        "organization": "stadtbuecherei-miltenberg",
        "name": "Leih-E-Reader",
        "location": "Ausleihtheke",
        "description": "tolino-E-Reader mit Onleihe-Zugang und großer, einstellbarer Schrift.",
        "return_checklist": "1 E-Reader\n1 USB-C-Kabel\n1 Schutzhülle",
        "loan_period_days": 21,
        "max_renewals": 2,
        "device_type": "tolino-vision-6",
        "count": 4,
        "first": 1,
        "asset_tag": "SBM-ER-{number:02d}",
        "device_name": "E-Reader {number}",
        "accessories": "USB-C-Kabel, Schutzhülle",
        "added": D(2025, 12, 1),
    },
    {
        **COURSE_SET,
        "organization": "vhs-miltenberg",
        "name": "Kurs-Laptops",
        "location": "EDV-Raum",
        "description": (
            "Mobile Laptops für Kurse in Miltenberg und den umliegenden Gemeinden, z. B. im "
            "Kursraum im Alten Rathaus. Transport im Rollkoffer."
        ),
        "return_checklist": (
            "10 Laptops\n10 Netzteile\n10 Mäuse\n1 Rollkoffer\n1 Mehrfachsteckdose"
        ),
        "device_type": "latitude-3440",
        "count": 10,
        "first": 1,
        "asset_tag": "VHS-MIL-LT{number:02d}",
        "device_name": "Kurs-Laptop {number:02d}",
        "accessories": "Netzteil, Maus",
        "added": D(2025, 1, 13),
    },
]

# Devices that belong to no pool: spares, demo devices, fixed equipment.
DEVICES_WITHOUT_POOL: list[dict[str, Any]] = [
    {
        "organization": "kronberg-gymnasium",
        "device_type": "ipad-10",
        "asset_tag": "KRG-IPAD-065",
        "name": "Ersatz-iPad",
        "location": "Geräteausgabe im Sekretariat",
        "accessories": IPAD_CASE_ACCESSORIES,
        "notes": "Ersatzgerät: kommt in einen Koffer, solange dort ein iPad in Reparatur ist.",
        "added": D(2025, 2, 24),
    },
    {
        "organization": "kronberg-gymnasium",
        "device_type": "ipad-air-m2",
        "asset_tag": "KRG-IPAD-101",
        "name": "iPad Air Medienteam",
        "location": "Medienraum 1.12",
        "accessories": "USB-C-Ladekabel, Hülle mit Tastatur, Apple Pencil Pro",
        "notes": "Zum Einrichten der Klassensätze und für Präsentationen; nicht buchbar.",
        "added": D(2025, 9, 15),
    },
    {
        "organization": "stadtbibliothek-aschaffenburg",
        "device_type": "ipad-10",
        "asset_tag": "STB-TB-90",
        "name": "Vorführ-iPad Ausleihtheke",
        "location": "Ausleihtheke",
        "accessories": "Diebstahlsicherung mit Tischhalterung",
        "notes": "Liegt an der Theke zum Ausprobieren aus und wird nicht verliehen.",
        "added": D(2025, 1, 20),
    },
    {
        "organization": "vhs-aschaffenburg",
        "device_type": "thinkpad-l14",
        "asset_tag": "VHS-AB-NB-90",
        "name": "Laptop für Kursleitungen",
        "location": "Servicebüro",
        "accessories": "Netzteil, HDMI-Adapter, Presenter",
        "notes": "Für Kursleitungen ohne eigenes Gerät; Ausgabe im Servicebüro.",
        "added": D(2024, 8, 26),
    },
    {
        "organization": "hsg-erlenbach",
        "device_type": "thinkpad-l14",
        "asset_tag": "HSG-2023-0007",
        "name": "Laptop Aula-Technik",
        "location": "Aula",
        "accessories": "Netzteil, HDMI-Kabel, Funkmaus",
        "notes": "Fest an der Bühnentechnik der Aula für Präsentationen und Schulveranstaltungen.",
        "added": D(2023, 10, 9),
    },
]
