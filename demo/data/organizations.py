"""The demo region: Stadt Aschaffenburg and the Landkreise Aschaffenburg and Miltenberg.

Plain data, read by ``manage.py seed_demo``. The data of the other parts of the demo is
beside it in ``demo/data/`` and refers to organizations by slug and to people by email.

The organizations, towns and postal codes are real; street addresses are plausible but not
checked against a directory, and the people are invented. Nothing here may reach a real
person: organization emails use ``example.org`` domains, demo logins ``demo.lernpool.example``,
and phone numbers come from the range the Bundesnetzagentur keeps free for film and TV
(069 90009 000–999), so that nobody's telephone rings because of a demo.

Closures are written as they are published, with the first and the last day; the command
stores them half-open (``end`` = the day after ``last_day``).
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.mfa import DEMO_TOTP_SECRET, ROLES_NEEDING_MFA, give_totp
from accounts.models import User

D = datetime.date
T = datetime.time

DEMO_PASSWORD = "lernpool-demo"
DEMO_EMAIL_DOMAIN = "demo.lernpool.example"

DISTRICTS: list[dict[str, str]] = [
    {"slug": "aschaffenburg", "name": "Stadt Aschaffenburg"},
    {"slug": "lk-aschaffenburg", "name": "Landkreis Aschaffenburg"},
    {"slug": "lk-miltenberg", "name": "Landkreis Miltenberg"},
]

# The Bavarian period grid: breaks after the 2nd and the 4th period, lunch before the 7th.
PRIMARY_SCHOOL_PERIODS: list[tuple[int, T, T]] = [
    (1, T(8, 0), T(8, 45)),
    (2, T(8, 45), T(9, 30)),
    (3, T(9, 45), T(10, 30)),
    (4, T(10, 30), T(11, 15)),
    (5, T(11, 30), T(12, 15)),
    (6, T(12, 15), T(13, 0)),
]
SECONDARY_SCHOOL_PERIODS: list[tuple[int, T, T]] = [
    *PRIMARY_SCHOOL_PERIODS,
    (7, T(13, 45), T(14, 30)),
    (8, T(14, 30), T(15, 15)),
]

ORGANIZATIONS: list[dict[str, Any]] = [
    # --- Stadt Aschaffenburg ----------------------------------------------------------------
    {
        "slug": "kronberg-gymnasium",
        "name": "Kronberg-Gymnasium Aschaffenburg",
        "kind": "school",
        "district": "aschaffenburg",
        "description": (
            "Sprachliches, humanistisches und naturwissenschaftlich-technologisches "
            "Gymnasium. Lehrkräfte buchen die iPad-Koffer und Laptops der Schule für ihren "
            "Unterricht, einmalig oder jede Woche."
        ),
        "street": "Fasaneriestraße 33",
        "postal_code": "63739",
        "city": "Aschaffenburg",
        "email": "sekretariat@kronberg-gymnasium.example.org",
        "phone": "069 90009 101",
        "lesson_periods": SECONDARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "Medienraum 1.12",
                "step_free": True,
                "accessibility_notes": (
                    "1. Obergeschoss, Aufzug gleich rechts neben dem Haupteingang. "
                    "Höhenverstellbarer Arbeitsplatz am Fenster."
                ),
            },
            {
                "name": "Schulbibliothek",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, stufenloser Zugang vom Pausenhof.",
            },
            {
                "name": "Geräteausgabe im Sekretariat",
                "step_free": False,
                "accessibility_notes": (
                    "Hochparterre, fünf Stufen ohne Rampe. Bitte am Seiteneingang klingeln, "
                    "die Geräte werden dann dorthin gebracht."
                ),
            },
        ],
    },
    {
        "slug": "gs-schweinheim",
        "name": "Grundschule Schweinheim",
        "kind": "school",
        "district": "aschaffenburg",
        "description": (
            "Grundschule im Aschaffenburger Stadtteil Schweinheim. Tablets für die Klassen 1 "
            "bis 4, vor allem für Lese- und Rechenapps und erste Schritte im Internet."
        ),
        "street": "Rhönstraße 14",
        "postal_code": "63743",
        "city": "Aschaffenburg",
        "email": "verwaltung@gs-schweinheim.example.org",
        "phone": "069 90009 102",
        "lesson_periods": PRIMARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "Computerraum",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, ebenerdig vom Schulhof erreichbar.",
            },
            {
                "name": "Lernwerkstatt",
                "step_free": False,
                "accessibility_notes": "1. Obergeschoss, kein Aufzug.",
            },
        ],
    },
    {
        "slug": "stadtbibliothek-aschaffenburg",
        "name": "Stadtbibliothek Aschaffenburg",
        "kind": "library",
        "district": "aschaffenburg",
        "description": (
            "Die Stadtbibliothek verleiht Laptops und Tablets an alle mit Bibliotheksausweis "
            "und bietet offene Digitalsprechstunden und Kurse im Lernstudio an."
        ),
        "street": "Schloßplatz 4",
        "postal_code": "63739",
        "city": "Aschaffenburg",
        "email": "stadtbibliothek@aschaffenburg.example.org",
        "phone": "069 90009 111",
        "opening_hours": (
            "Rückgabe auch außerhalb der Öffnungszeiten am Medienrückgabe-Automaten im Foyer."
        ),
        "locations": [
            {
                "name": "Ausleihtheke",
                "step_free": True,
                "accessibility_notes": (
                    "Erdgeschoss, stufenloser Eingang mit automatischer Tür. Die Theke hat "
                    "einen abgesenkten Bereich für Rollstuhlnutzende."
                ),
            },
            {
                "name": "Lernstudio",
                "step_free": True,
                "accessibility_notes": (
                    "1. Obergeschoss, Aufzug im Foyer. Mobile Induktionsschleife an der "
                    "Ausleihtheke erhältlich."
                ),
            },
            {
                "name": "Kinder- und Jugendbibliothek",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, hinter der Ausleihtheke links.",
            },
        ],
    },
    {
        "slug": "vhs-aschaffenburg",
        "name": "Volkshochschule Aschaffenburg",
        "kind": "adult_education",
        "district": "aschaffenburg",
        "description": (
            "Die vhs bietet Kurse zu Smartphone, Tablet, Office und Datenschutz für "
            "Berufstätige, Seniorinnen und Senioren und alle, die digital sicherer werden "
            "wollen."
        ),
        "street": "Luitpoldstraße 2",
        "postal_code": "63739",
        "city": "Aschaffenburg",
        "email": "info@vhs-aschaffenburg.example.org",
        "phone": "069 90009 121",
        "opening_hours": (
            "Anmeldung zu Kursen auch online und telefonisch; Kurse finden auch abends statt."
        ),
        "locations": [
            {
                "name": "Kursraum 1.04 (EDV)",
                "step_free": True,
                "accessibility_notes": (
                    "1. Obergeschoss, Aufzug vom Innenhof. 14 Arbeitsplätze, einer davon "
                    "höhenverstellbar; Bildschirmlupe installiert."
                ),
            },
            {
                "name": "Kursraum 2.11",
                "step_free": True,
                "accessibility_notes": "2. Obergeschoss, Aufzug vom Innenhof.",
            },
            {
                "name": "Servicebüro",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, Eingang Luitpoldstraße.",
            },
        ],
    },
    {
        "slug": "seniorenbuero-aschaffenburg",
        "name": "Seniorenbüro Aschaffenburg",
        "kind": "other",
        "district": "aschaffenburg",
        "description": (
            "Ehrenamtliche Digitallotsinnen und Digitallotsen helfen älteren Menschen bei "
            "Smartphone, Tablet, Videotelefonie und Online-Terminen – geduldig und kostenlos."
        ),
        "street": "Pfaffengasse 11",
        "postal_code": "63739",
        "city": "Aschaffenburg",
        "email": "seniorenbuero@aschaffenburg.example.org",
        "phone": "069 90009 131",
        "opening_hours": (
            "Digitalsprechstunde ohne Anmeldung, Einzeltermine nach telefonischer Absprache."
        ),
        "locations": [
            {
                "name": "Begegnungsraum",
                "step_free": True,
                "accessibility_notes": (
                    "Erdgeschoss, Rampe am Eingang, barrierefreies WC im Haus."
                ),
            },
        ],
    },
    # --- Landkreis Aschaffenburg ------------------------------------------------------------
    {
        "slug": "spessart-gymnasium-alzenau",
        "name": "Spessart-Gymnasium Alzenau",
        "kind": "school",
        "district": "lk-aschaffenburg",
        "description": (
            "Gymnasium im Norden des Landkreises. Zwei Laptopwagen und ein iPad-Koffer stehen "
            "allen Lehrkräften zur Verfügung."
        ),
        "street": "Am Sportfeld 1",
        "postal_code": "63755",
        "city": "Alzenau",
        "email": "sekretariat@spessart-gymnasium.example.org",
        "phone": "069 90009 141",
        "lesson_periods": SECONDARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "Medienraum",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss Altbau, stufenlos über den Haupteingang.",
            },
            {
                "name": "Bibliothek",
                "step_free": True,
                "accessibility_notes": "Neubau, 1. Obergeschoss, Aufzug neben der Aula.",
            },
        ],
    },
    {
        "slug": "mittelschule-hoesbach",
        "name": "Mittelschule Hösbach",
        "kind": "school",
        "district": "lk-aschaffenburg",
        "description": (
            "Mittelschule mit Ganztagsklassen und Praxisklasse. Die Laptops werden auch für "
            "Bewerbungstraining und Berufsorientierung genutzt."
        ),
        "street": "Schulstraße 10",
        "postal_code": "63768",
        "city": "Hösbach",
        "email": "verwaltung@ms-hoesbach.example.org",
        "phone": "069 90009 142",
        "lesson_periods": SECONDARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "PC-Raum 012",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, ebenerdig.",
            },
            {
                "name": "Werkraum Technik",
                "step_free": False,
                "accessibility_notes": "Untergeschoss, nur über die Treppe erreichbar.",
            },
        ],
    },
    {
        "slug": "stadtbibliothek-alzenau",
        "name": "Stadtbibliothek Alzenau",
        "kind": "library",
        "district": "lk-aschaffenburg",
        "description": (
            "Öffentliche Bibliothek der Stadt Alzenau mit Onleihe, Tonies und Leih-Tablets. "
            "Schulklassen aus Alzenau und Umgebung sind regelmäßig zu Gast."
        ),
        "street": "Hanauer Straße 1",
        "postal_code": "63755",
        "city": "Alzenau",
        "email": "bibliothek@alzenau.example.org",
        "phone": "069 90009 151",
        "opening_hours": "Rückgabekasten neben dem Eingang, rund um die Uhr.",
        "locations": [
            {
                "name": "Ausleihtheke",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, Eingang über die Rampe am Parkplatz.",
            },
        ],
    },
    # --- Landkreis Miltenberg ---------------------------------------------------------------
    {
        "slug": "hsg-erlenbach",
        "name": "Hermann-Staudinger-Gymnasium Erlenbach",
        "kind": "school",
        "district": "lk-miltenberg",
        "description": (
            "Naturwissenschaftlich-technologisches und wirtschaftswissenschaftliches "
            "Gymnasium. Die Tablet-Klassensätze werden von mehreren Fachschaften geteilt."
        ),
        "street": "Elsenfelder Straße 55",
        "postal_code": "63906",
        "city": "Erlenbach a.Main",
        "email": "sekretariat@hsg-erlenbach.example.org",
        "phone": "069 90009 161",
        "lesson_periods": SECONDARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "Informatikraum 2.07",
                "step_free": True,
                "accessibility_notes": "2. Obergeschoss, Aufzug im Treppenhaus Nord.",
            },
            {
                "name": "Aula",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, stufenlos; Induktionsschleife vorhanden.",
            },
        ],
    },
    {
        "slug": "realschule-erlenbach",
        "name": "Staatliche Realschule Erlenbach",
        "kind": "school",
        "district": "lk-miltenberg",
        "description": (
            "Realschule mit technischem, kaufmännischem und sprachlichem Zweig. Laptops für "
            "IT-Unterricht und Projektarbeit."
        ),
        "street": "Bahnstraße 20",
        "postal_code": "63906",
        "city": "Erlenbach a.Main",
        "email": "sekretariat@rs-erlenbach.example.org",
        "phone": "069 90009 162",
        "lesson_periods": SECONDARY_SCHOOL_PERIODS,
        "locations": [
            {
                "name": "IT-Raum 104",
                "step_free": False,
                "accessibility_notes": (
                    "1. Obergeschoss, der Aufzug ist bis Ende 2026 außer Betrieb."
                ),
            },
        ],
    },
    {
        "slug": "stadtbuecherei-obernburg",
        "name": "Stadtbücherei Obernburg",
        "kind": "library",
        "district": "lk-miltenberg",
        "description": (
            "Kleine Stadtbücherei mit großem Angebot: Bücher, Spiele, Onleihe und zwei "
            "Leih-Laptops für alle, die zu Hause keinen Computer haben."
        ),
        "street": "Römerstraße 62",
        "postal_code": "63785",
        "city": "Obernburg a.Main",
        "email": "buecherei@obernburg.example.org",
        "phone": "069 90009 171",
        "opening_hours": ("In den Sommerferien zwei Wochen Sommerpause (siehe Schließtage). "),
        "locations": [
            {
                "name": "Ausleihtheke",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, Eingang von der Römerstraße ohne Stufen.",
            },
        ],
    },
    {
        "slug": "stadtbuecherei-miltenberg",
        "name": "Stadtbücherei Miltenberg",
        "kind": "library",
        "district": "lk-miltenberg",
        "description": (
            "Stadtbücherei in der Miltenberger Altstadt. Leih-Tablets mit vorinstallierten "
            "Lern- und Vorleseapps, auch in Einfacher Sprache."
        ),
        "street": "Engelplatz 69",
        "postal_code": "63897",
        "city": "Miltenberg",
        "email": "stadtbuecherei@miltenberg.example.org",
        "phone": "069 90009 172",
        "opening_hours": "Klingel am Seiteneingang; im Leseraum nur nach Absprache.",
        "locations": [
            {
                "name": "Ausleihtheke",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, Seiteneingang am Engelplatz mit Klingel.",
            },
            {
                "name": "Leseraum im Dachgeschoss",
                "step_free": False,
                "accessibility_notes": (
                    "Historisches Fachwerkhaus, nur über eine steile Treppe erreichbar. "
                    "Kurse finden bei Bedarf an der Ausleihtheke statt."
                ),
            },
        ],
    },
    {
        "slug": "vhs-miltenberg",
        "name": "Volkshochschule Miltenberg und Umgebung",
        "kind": "adult_education",
        "district": "lk-miltenberg",
        "description": (
            "Die vhs bietet Digitalkurse in Miltenberg und den umliegenden Gemeinden an, "
            "vom Smartphone-Einstieg bis zur Tabellenkalkulation."
        ),
        "street": "Hauptstraße 120",
        "postal_code": "63897",
        "city": "Miltenberg",
        "email": "info@vhs-miltenberg.example.org",
        "phone": "069 90009 181",
        "opening_hours": (
            "Die Geschäftsstelle berät auch telefonisch; Kurse finden abends und "
            "am Wochenende statt."
        ),
        "locations": [
            {
                "name": "EDV-Raum",
                "step_free": True,
                "accessibility_notes": "Erdgeschoss, stufenlos über den Hof.",
            },
            {
                "name": "Kursraum im Alten Rathaus",
                "street": "Marktplatz 1",
                "step_free": False,
                "accessibility_notes": "1. Obergeschoss, Treppe mit Handlauf, kein Aufzug.",
            },
        ],
    },
]

# Opening hours (weekday, 0 = Monday → intervals); a weekday left out is closed. The free-text
# "opening_hours" of an organization keeps only what these cannot say.
SCHOOL_DAYS = {day: [(T(7, 30), T(16, 0))] for day in range(5)}
HOURS: dict[str, dict[int, list[tuple[T, T]]]] = {
    "kronberg-gymnasium": SCHOOL_DAYS,
    "gs-schweinheim": SCHOOL_DAYS,
    "spessart-gymnasium-alzenau": SCHOOL_DAYS,
    "mittelschule-hoesbach": SCHOOL_DAYS,
    "hsg-erlenbach": SCHOOL_DAYS,
    "realschule-erlenbach": SCHOOL_DAYS,
    # Libraries: closed on Sunday and Monday (Obernburg also on Wednesday and Friday).
    "stadtbibliothek-aschaffenburg": {
        1: [(T(10), T(18))],
        2: [(T(10), T(18))],
        3: [(T(10), T(19))],
        4: [(T(10), T(18))],
        5: [(T(10), T(14))],
    },
    "stadtbibliothek-alzenau": {
        1: [(T(14), T(18))],
        2: [(T(10), T(13))],
        3: [(T(14), T(18))],
        4: [(T(10), T(13))],
        5: [(T(10), T(12))],
    },
    "stadtbuecherei-obernburg": {
        1: [(T(15), T(18))],
        3: [(T(10), T(12)), (T(15), T(18))],
        5: [(T(10), T(12))],
    },
    "stadtbuecherei-miltenberg": {
        1: [(T(14), T(18))],
        2: [(T(10), T(12)), (T(14), T(18))],
        3: [(T(14), T(18))],
        4: [(T(14), T(18))],
        5: [(T(10), T(13))],
    },
    # Providers: their offices (courses may run in the evening on purpose).
    "vhs-aschaffenburg": {
        **{day: [(T(9), T(12, 30)), (T(14), T(17))] for day in range(4)},
        4: [(T(9), T(12, 30))],
    },
    "seniorenbuero-aschaffenburg": {
        0: [(T(9), T(12))],
        1: [(T(9), T(12))],
        2: [(T(9), T(12)), (T(14), T(16))],
        3: [(T(9), T(12))],
    },
    "vhs-miltenberg": {day: [(T(9), T(12))] for day in range(5)},
}

# Summer hours: the vhs office is open mornings only in the school summer holidays 2027.
SEASONAL_HOURS: list[dict[str, Any]] = [
    {
        "organization": "vhs-aschaffenburg",
        "name": "Sommeröffnungszeiten",
        "valid_from": D(2027, 8, 2),
        "valid_until": D(2027, 9, 10),
        "hours": {day: [(T(9), T(12, 30))] for day in range(5)},
    },
]

# One-off special hours: Christmas Eve and New Year's Eve at the libraries.
SPECIAL_HOURS: list[dict[str, Any]] = [
    {"organization": slug, "day": day, "opens": T(10), "closes": T(12), "note": note}
    for slug in (
        "stadtbibliothek-aschaffenburg",
        "stadtbibliothek-alzenau",
        "stadtbuecherei-obernburg",
        "stadtbuecherei-miltenberg",
    )
    for day, note in (
        (D(2025, 12, 24), "Heiligabend"),
        (D(2025, 12, 31), "Silvester"),
        (D(2026, 12, 24), "Heiligabend"),
        (D(2026, 12, 31), "Silvester"),
        (D(2027, 12, 24), "Heiligabend"),
        (D(2027, 12, 31), "Silvester"),
    )
]

# Region-wide closures (organization=None). Public holidays close everyone; school holidays
# close schools only (see ClosureQuerySet.for_organization). Easter 2027 is on 28 March.
PUBLIC_HOLIDAYS: list[dict[str, Any]] = [
    # The school year before (for the reports of last school year); Easter 2026 is on 5 April.
    {"name": "Mariä Himmelfahrt", "first_day": D(2025, 8, 15)},
    {"name": "Tag der Deutschen Einheit", "first_day": D(2025, 10, 3)},
    {"name": "Allerheiligen", "first_day": D(2025, 11, 1)},
    {"name": "1. Weihnachtsfeiertag", "first_day": D(2025, 12, 25)},
    {"name": "2. Weihnachtsfeiertag", "first_day": D(2025, 12, 26)},
    {"name": "Neujahr", "first_day": D(2026, 1, 1)},
    {"name": "Heilige Drei Könige", "first_day": D(2026, 1, 6)},
    {"name": "Karfreitag", "first_day": D(2026, 4, 3)},
    {"name": "Ostermontag", "first_day": D(2026, 4, 6)},
    {"name": "Tag der Arbeit", "first_day": D(2026, 5, 1)},
    {"name": "Christi Himmelfahrt", "first_day": D(2026, 5, 14)},
    {"name": "Pfingstmontag", "first_day": D(2026, 5, 25)},
    {"name": "Fronleichnam", "first_day": D(2026, 6, 4)},
    {"name": "Mariä Himmelfahrt", "first_day": D(2026, 8, 15)},
    # The school year 2026/27.
    {"name": "Tag der Deutschen Einheit", "first_day": D(2026, 10, 3)},
    {"name": "Allerheiligen", "first_day": D(2026, 11, 1)},
    {"name": "1. Weihnachtsfeiertag", "first_day": D(2026, 12, 25)},
    {"name": "2. Weihnachtsfeiertag", "first_day": D(2026, 12, 26)},
    {"name": "Neujahr", "first_day": D(2027, 1, 1)},
    {"name": "Heilige Drei Könige", "first_day": D(2027, 1, 6)},
    {"name": "Karfreitag", "first_day": D(2027, 3, 26)},
    {"name": "Ostermontag", "first_day": D(2027, 3, 29)},
    {"name": "Tag der Arbeit", "first_day": D(2027, 5, 1)},
    {"name": "Christi Himmelfahrt", "first_day": D(2027, 5, 6)},
    {"name": "Pfingstmontag", "first_day": D(2027, 5, 17)},
    {"name": "Fronleichnam", "first_day": D(2027, 5, 27)},
    {"name": "Mariä Himmelfahrt", "first_day": D(2027, 8, 15)},
]

# Bavarian school holidays of the school years 2025/26 and 2026/27, first and last day as published
# by the Bavarian ministry of education. Buß- und Bettag is a school-free day, not a public
# holiday, in Bavaria.
SCHOOL_HOLIDAYS: list[dict[str, Any]] = [
    {"name": "Sommerferien 2025", "first_day": D(2025, 8, 1), "last_day": D(2025, 9, 15)},
    {"name": "Herbstferien 2025", "first_day": D(2025, 11, 3), "last_day": D(2025, 11, 7)},
    {"name": "Buß- und Bettag", "first_day": D(2025, 11, 19)},
    {
        "name": "Weihnachtsferien 2025/26",
        "first_day": D(2025, 12, 22),
        "last_day": D(2026, 1, 5),
    },
    {"name": "Frühjahrsferien 2026", "first_day": D(2026, 2, 16), "last_day": D(2026, 2, 20)},
    {"name": "Osterferien 2026", "first_day": D(2026, 3, 30), "last_day": D(2026, 4, 10)},
    {"name": "Pfingstferien 2026", "first_day": D(2026, 5, 26), "last_day": D(2026, 6, 5)},
    {"name": "Sommerferien 2026", "first_day": D(2026, 8, 3), "last_day": D(2026, 9, 14)},
    {"name": "Herbstferien 2026", "first_day": D(2026, 11, 2), "last_day": D(2026, 11, 6)},
    {"name": "Buß- und Bettag", "first_day": D(2026, 11, 18)},
    {
        "name": "Weihnachtsferien 2026/27",
        "first_day": D(2026, 12, 24),
        "last_day": D(2027, 1, 8),
    },
    {"name": "Frühjahrsferien 2027", "first_day": D(2027, 2, 8), "last_day": D(2027, 2, 12)},
    {"name": "Osterferien 2027", "first_day": D(2027, 3, 22), "last_day": D(2027, 4, 2)},
    {"name": "Pfingstferien 2027", "first_day": D(2027, 5, 18), "last_day": D(2027, 5, 28)},
    {"name": "Sommerferien 2027", "first_day": D(2027, 8, 2), "last_day": D(2027, 9, 13)},
]

# Closures of a single organization (kind "closed").
ORGANIZATION_CLOSURES: list[dict[str, Any]] = [
    {
        "organization": "stadtbibliothek-aschaffenburg",
        "name": "Inventur",
        "first_day": D(2027, 1, 11),
        "last_day": D(2027, 1, 16),
    },
    {
        "organization": "stadtbuecherei-obernburg",
        "name": "Sommerpause",
        "first_day": D(2027, 8, 16),
        "last_day": D(2027, 8, 28),
    },
]


def _email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"


# Every demo person. "memberships" holds (organization slug, role); residents have none.
# "language" defaults to "de".
USERS: list[dict[str, Any]] = [
    {"email": _email("regionadmin"), "name": "Sabine Hofmann", "region_admin": True},
    # Stadt Aschaffenburg
    {
        "email": _email("schulleitung.kronberg"),
        "name": "Dr. Thomas Berger",
        "memberships": [("kronberg-gymnasium", "org_admin")],
    },
    {
        "email": _email("medien.kronberg"),
        "name": "Jonas Weber",
        "memberships": [("kronberg-gymnasium", "staff")],
    },
    {
        "email": _email("lehrerin.kronberg"),
        "name": "Anna Schmitt",
        "memberships": [("kronberg-gymnasium", "teacher")],
    },
    {
        # A teacher who also volunteers at the library: one person, roles in two places.
        "email": _email("lehrer.kronberg"),
        "name": "Michael Krause",
        "memberships": [
            ("kronberg-gymnasium", "teacher"),
            ("stadtbibliothek-aschaffenburg", "staff"),
        ],
    },
    {
        "email": _email("schulleitung.schweinheim"),
        "name": "Birgit Lang",
        "memberships": [("gs-schweinheim", "org_admin")],
    },
    {
        "email": _email("lehrerin.schweinheim"),
        "name": "Julia Neumann",
        "memberships": [("gs-schweinheim", "teacher")],
    },
    {
        "email": _email("leitung.stadtbibliothek"),
        "name": "Claudia Wenzel",
        "memberships": [("stadtbibliothek-aschaffenburg", "org_admin")],
    },
    {
        "email": _email("ausleihe.stadtbibliothek"),
        "name": "Katharina Roth",
        "memberships": [("stadtbibliothek-aschaffenburg", "staff")],
    },
    {
        "email": _email("leitung.vhs"),
        "name": "Markus Eckert",
        "memberships": [("vhs-aschaffenburg", "org_admin")],
    },
    {
        "email": _email("kurse.vhs"),
        "name": "Sandra Fuchs",
        "memberships": [("vhs-aschaffenburg", "staff")],
    },
    {
        "email": _email("leitung.seniorenbuero"),
        "name": "Helga Schuster",
        "memberships": [("seniorenbuero-aschaffenburg", "org_admin")],
    },
    {
        "email": _email("digitallotse.seniorenbuero"),
        "name": "Werner Lorenz",
        "memberships": [("seniorenbuero-aschaffenburg", "staff")],
    },
    # Landkreis Aschaffenburg
    {
        "email": _email("schulleitung.alzenau"),
        "name": "Christine Wagner",
        "memberships": [("spessart-gymnasium-alzenau", "org_admin")],
    },
    {
        "email": _email("lehrerin.alzenau"),
        "name": "Sarah Baumann",
        "memberships": [("spessart-gymnasium-alzenau", "teacher")],
    },
    {
        "email": _email("schulleitung.hoesbach"),
        "name": "Klaus Meier",
        "memberships": [("mittelschule-hoesbach", "org_admin")],
    },
    {
        "email": _email("lehrer.hoesbach"),
        "name": "Tobias Huber",
        "memberships": [("mittelschule-hoesbach", "teacher")],
    },
    {
        "email": _email("leitung.bibliothek-alzenau"),
        "name": "Martina Vogel",
        "memberships": [("stadtbibliothek-alzenau", "org_admin")],
    },
    # Landkreis Miltenberg
    {
        "email": _email("schulleitung.hsg"),
        "name": "Petra Schäfer",
        "memberships": [("hsg-erlenbach", "org_admin")],
    },
    {
        "email": _email("medien.hsg"),
        "name": "Florian Wolf",
        "memberships": [("hsg-erlenbach", "staff")],
    },
    {
        # Teaches at two schools in Erlenbach.
        "email": _email("lehrer.erlenbach"),
        "name": "Stefan Zimmermann",
        "memberships": [("hsg-erlenbach", "teacher"), ("realschule-erlenbach", "teacher")],
    },
    {
        "email": _email("schulleitung.realschule-erlenbach"),
        "name": "Ursula König",
        "memberships": [("realschule-erlenbach", "org_admin")],
    },
    {
        "email": _email("leitung.buecherei-obernburg"),
        "name": "Gabriele Schreiber",
        "memberships": [("stadtbuecherei-obernburg", "org_admin")],
    },
    {
        "email": _email("leitung.buecherei-miltenberg"),
        "name": "Monika Hartmann",
        "memberships": [("stadtbuecherei-miltenberg", "org_admin")],
    },
    {
        "email": _email("ausleihe.buecherei-miltenberg"),
        "name": "Lukas Bauer",
        "memberships": [("stadtbuecherei-miltenberg", "staff")],
    },
    {
        "email": _email("leitung.vhs-miltenberg"),
        "name": "Andrea Braun",
        "memberships": [("vhs-miltenberg", "org_admin")],
    },
    {
        "email": _email("kurse.vhs-miltenberg"),
        "name": "Daniel Richter",
        "memberships": [("vhs-miltenberg", "staff")],
    },
    # Residents: no memberships anywhere.
    {"email": _email("buergerin"), "name": "Maria Keller"},
    {"email": _email("buerger"), "name": "Horst Becker"},
    {"email": _email("leonie.arnold"), "name": "Leonie Arnold"},
    {"email": _email("resident.en"), "name": "Emily Carter", "language": "en"},
]

# The logins that ``seed_demo`` prints for newcomers, most useful first: (role, email).
FEATURED_LOGINS: list[tuple[str, str]] = [
    ("Regionaladmin", _email("regionadmin")),
    ("Schulleitung – Kronberg-Gymnasium", _email("schulleitung.kronberg")),
    ("Mitarbeitende – Kronberg-Gymnasium", _email("medien.kronberg")),
    ("Lehrkraft – Kronberg-Gymnasium", _email("lehrerin.kronberg")),
    ("Mitarbeitende – Stadtbibliothek", _email("ausleihe.stadtbibliothek")),
    ("Bürgerin (ohne Rolle)", _email("buergerin")),
    ("Leitung – Stadtbibliothek", _email("leitung.stadtbibliothek")),
    ("Lehrkraft + Stadtbibliothek", _email("lehrer.kronberg")),
    ("Mitarbeitende – vhs Aschaffenburg", _email("kurse.vhs")),
    ("Bürgerin (englischsprachig)", _email("resident.en")),
    ("Bürger mit überfälligem Laptop (gesperrt)", _email("buerger")),
]


# --- Two-factor authentication of the demo accounts ---------------------------------------
# Staff, organization admins and region admins must use 2FA (accounts/mfa.py). In the demo
# they all share one public TOTP secret, accounts.mfa.DEMO_TOTP_SECRET: `manage.py demo_code`
# prints the code to enter after the demo password (or add the secret to an authenticator
# app). Only where settings.LERNPOOL_DEMO is on; elsewhere each person sets up their own.


def seed_demo_totp(stdout) -> str:
    """Give every demo person with a role that needs 2FA the demo TOTP secret (idempotent)."""
    if not settings.LERNPOOL_DEMO:
        return "Zwei-Faktor-Anmeldung: keine Demo, jede Person richtet ihre eigene ein."
    emails = [
        person["email"]
        for person in USERS
        if person.get("region_admin")
        or any(role in ROLES_NEEDING_MFA for _slug, role in person.get("memberships", []))
    ]
    people = User.objects.filter(email__in=emails).exclude(
        authenticator__type=Authenticator.Type.TOTP
    )
    given = [give_totp(person, DEMO_TOTP_SECRET) for person in people]
    return (
        f"Zwei-Faktor-Anmeldung: Konten mit Rollen fragen nach dem Demo-Code "
        f"(manage.py demo_code; {len(given)} neu eingerichtet)."
    )
