"""The demo bookings: who books which pools of the demo schools, for which classes, how
often, and the weekly series and region requests among them.

Plain data, read by ``demo/booking.py`` when ``manage.py seed_demo`` runs. Schools and pools
are named by organization slug and pool name as in ``demo/data/organizations.py`` and
``demo/data/devices.py``; people by the local part of their demo email address. Dates are
not written here: the demo places everything relative to the day it is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLET, LAPTOP = "tablet", "laptop"
BOTH = (TABLET, LAPTOP)
MON, TUE, WED, THU, FRI = range(5)


@dataclass(frozen=True)
class Subject:
    """What a class does with the devices, on which kind of device, in which grades."""

    text: str
    kinds: tuple[str, ...]
    grades: tuple[int, int]


GYMNASIUM_SUBJECTS = [
    Subject("Mathematik – GeoGebra", BOTH, (5, 13)),
    Subject("Mathematik – Funktionsgraphen mit GeoGebra", BOTH, (8, 13)),
    Subject("Deutsch – Lese-App", (TABLET,), (5, 6)),
    Subject("Deutsch – Schreibkonferenz", BOTH, (5, 10)),
    Subject("Englisch – Vokabeltrainer", (TABLET,), (5, 8)),
    Subject("Englisch – Podcast aufnehmen", (TABLET,), (7, 11)),
    Subject("Französisch – Hörverstehen", (TABLET,), (6, 11)),
    Subject("Latein – Vokabeltraining", (TABLET,), (5, 9)),
    Subject("Geschichte – Quellenrecherche", BOTH, (6, 13)),
    Subject("Geographie – Klimadiagramme", BOTH, (5, 11)),
    Subject("Biologie – Mikroskopie-App", (TABLET,), (5, 10)),
    Subject("Physik – Messwerte mit phyphox", (TABLET,), (7, 13)),
    Subject("Chemie – Molekülbaukasten", (TABLET,), (8, 13)),
    Subject("Informatik – Programmieren mit Scratch", (LAPTOP,), (6, 7)),
    Subject("Informatik – Python", (LAPTOP,), (9, 11)),
    Subject("Informatik", (LAPTOP,), (12, 13)),
    Subject("Kunst – Stop-Motion-Film", (TABLET,), (5, 10)),
    Subject("Musik – GarageBand", (TABLET,), (5, 10)),
    Subject("Religion – Referate vorbereiten", BOTH, (5, 11)),
    Subject("Wirtschaft und Recht – Planspiel Börse", (LAPTOP,), (9, 13)),
    Subject("Seminar – Literaturrecherche", (LAPTOP,), (12, 13)),
    Subject("Natur und Technik – Tabellenkalkulation", (LAPTOP,), (5, 7)),
]
GRUNDSCHULE_SUBJECTS = [
    Subject("Deutsch – Lese-App", (TABLET,), (1, 4)),
    Subject("Lesen – Antolin-Quiz", (TABLET,), (2, 4)),
    Subject("Mathematik – Rechenapp", (TABLET,), (1, 4)),
    Subject("Mathematik – Einmaleins üben", (TABLET,), (2, 3)),
    Subject("HSU – Tiere im Wald recherchieren", (TABLET,), (3, 4)),
    Subject("HSU – Wetter beobachten", (TABLET,), (2, 4)),
    Subject("Englisch – Hörübungen", (TABLET,), (3, 4)),
    Subject("Musik – Rhythmus-App", (TABLET,), (1, 4)),
    Subject("Kunst – Fotosafari im Schulhaus", (TABLET,), (1, 4)),
]
MITTELSCHULE_SUBJECTS = [
    Subject("Wirtschaft und Beruf – Bewerbung schreiben", (LAPTOP,), (8, 10)),
    Subject("Berufsorientierung – Berufe recherchieren", (LAPTOP,), (7, 10)),
    Subject("Deutsch – Textverarbeitung", (LAPTOP,), (5, 10)),
    Subject("Mathematik – Tabellenkalkulation", (LAPTOP,), (7, 10)),
    Subject("Informatik – 10-Finger-Schreiben", (LAPTOP,), (5, 7)),
    Subject("Englisch – Vokabeltrainer", (LAPTOP,), (5, 9)),
    Subject("GPG – Recherche", (LAPTOP,), (5, 10)),
    Subject("Technik – Fotodokumentation Werkstück", (LAPTOP,), (7, 10)),
]
REALSCHULE_SUBJECTS = [
    Subject("IT – Tabellenkalkulation", (LAPTOP,), (7, 10)),
    Subject("IT – Textverarbeitung", (LAPTOP,), (5, 8)),
    Subject("IT – Programmieren", (LAPTOP,), (8, 10)),
    Subject("BwR – Buchungssätze üben", (LAPTOP,), (7, 10)),
    Subject("Deutsch – Präsentation vorbereiten", (LAPTOP,), (7, 10)),
    Subject("Physik – Simulationen", (LAPTOP,), (7, 10)),
    Subject("Projekt Schülerzeitung", (LAPTOP,), (8, 10)),
]


def classes(grades: range, letters: str, size: tuple[int, int]) -> dict[str, tuple[int, int]]:
    return {f"{grade}{letter}": size for grade in grades for letter in letters}


@dataclass(frozen=True)
class School:
    """Classes (name → range of pupils; a class keeps its size all year), subjects, and who
    books: (local part of the email, how often, how they write the purpose: "long" is
    "Klasse 7b, Mathematik – GeoGebra", "short" is "7b Mathematik – GeoGebra")."""

    classes: dict[str, tuple[int, int]]
    subjects: list[Subject]
    bookers: list[tuple[str, int, str]]


SCHOOLS: dict[str, School] = {
    "kronberg-gymnasium": School(
        {**classes(range(5, 12), "abcd", (24, 30)), "Q12": (12, 18), "Q13": (11, 17)},
        GYMNASIUM_SUBJECTS,
        [
            ("lehrerin.kronberg", 5, "long"),
            ("lehrer.kronberg", 5, "short"),
            ("schulleitung.kronberg", 1, "long"),
        ],
    ),
    "gs-schweinheim": School(
        classes(range(1, 5), "ab", (18, 24)),
        GRUNDSCHULE_SUBJECTS,
        [("lehrerin.schweinheim", 5, "short"), ("schulleitung.schweinheim", 2, "short")],
    ),
    "spessart-gymnasium-alzenau": School(
        {**classes(range(5, 12), "abc", (23, 29)), "Q12": (12, 17), "Q13": (11, 16)},
        GYMNASIUM_SUBJECTS,
        [("lehrerin.alzenau", 5, "long"), ("schulleitung.alzenau", 1, "short")],
    ),
    "mittelschule-hoesbach": School(
        {**classes(range(5, 10), "ab", (14, 22)), "M10": (15, 20), "Praxisklasse": (8, 10)},
        MITTELSCHULE_SUBJECTS,
        [("lehrer.hoesbach", 5, "short"), ("schulleitung.hoesbach", 2, "long")],
    ),
    "hsg-erlenbach": School(
        {**classes(range(5, 12), "abc", (24, 30)), "Q12": (13, 18), "Q13": (12, 17)},
        GYMNASIUM_SUBJECTS,
        [("lehrer.erlenbach", 4, "short"), ("schulleitung.hsg", 1, "long")],
    ),
    "realschule-erlenbach": School(
        classes(range(5, 11), "abc", (24, 30)),
        REALSCHULE_SUBJECTS,
        [("lehrer.erlenbach", 4, "long"), ("schulleitung.realschule-erlenbach", 2, "short")],
    ),
}

KRG_IPAD_1 = ("kronberg-gymnasium", "iPad-Koffer 1 (32 iPads)")
KRG_IPAD_2 = ("kronberg-gymnasium", "iPad-Koffer 2 (32 iPads)")
KRG_LAPTOPS = ("kronberg-gymnasium", "Laptopwagen (16 Laptops)")
GSS_TABLETS = ("gs-schweinheim", "Tablet-Wagen (20 Tablets)")
SPG_IPADS = ("spessart-gymnasium-alzenau", "iPad-Koffer (24 iPads)")
SPG_LAPTOPS_1 = ("spessart-gymnasium-alzenau", "Laptopwagen 1 (15 Laptops)")
SPG_LAPTOPS_2 = ("spessart-gymnasium-alzenau", "Laptopwagen 2 (15 Laptops)")
MSH_LAPTOPS = ("mittelschule-hoesbach", "Laptopwagen (16 Laptops)")
MSH_CHROMEBOOKS = ("mittelschule-hoesbach", "Chromebooks Praxisklasse (8)")
HSG_IPAD_1 = ("hsg-erlenbach", "iPad-Koffer 1 (24 iPads)")
HSG_REGION = ("hsg-erlenbach", "iPad-Air-Koffer Region (16 iPads)")
RSE_LAPTOPS = ("realschule-erlenbach", "Laptopwagen IT (20 Laptops)")

# How many single bookings a pool gets on an average school day (series come on top).
POOL_USE: dict[tuple[str, str], float] = {
    KRG_IPAD_1: 1.6,
    KRG_IPAD_2: 1.3,
    KRG_LAPTOPS: 1.0,
    GSS_TABLETS: 1.4,
    SPG_IPADS: 1.3,
    SPG_LAPTOPS_1: 1.0,
    SPG_LAPTOPS_2: 0.6,
    MSH_LAPTOPS: 1.2,
    MSH_CHROMEBOOKS: 0.5,
    HSG_IPAD_1: 1.4,
    HSG_REGION: 0.25,
    RSE_LAPTOPS: 1.3,
}

# The media teams set up their schools' tablet cases now and then.
MAINTENANCE = {
    KRG_IPAD_1: "medien.kronberg",
    KRG_IPAD_2: "medien.kronberg",
    HSG_IPAD_1: "medien.hsg",
}
MAINTENANCE_PURPOSE = "Medienteam: iPadOS-Update und App-Verteilung"
REGION_SETUP_PURPOSE = "Medienteam: Neueinrichtung aller iPads (Updates, Apps, Profile)"

# Where the previous school day's last booking has two devices still out (the first pool
# whose bookings leave room for that).
OVERDUE_POOLS = [KRG_LAPTOPS, KRG_IPAD_1, KRG_IPAD_2]

# When nothing is left to hand out today (late, a weekend, holidays), the desk of the
# Kronberg-Gymnasium gets one of these: (who, what, from).
TODAY_POOL = KRG_IPAD_2
TODAY_ON_SCHOOL_DAYS = ("schulleitung.kronberg", "Elternabend 5. Klassen – iPads ausprobieren")
TODAY_AT_WEEKENDS = ("schulleitung.kronberg", "Tag der offenen Tür – Mitmachstation iPads")
TODAY_IN_HOLIDAYS = ("medien.kronberg", "Medienteam: Ferienwartung (Updates, Akkus prüfen)")
# The parents' evening is after the school's usual hours: its special hours that evening.
TODAY_SPECIAL_HOURS_NOTE = "Elternabend"


@dataclass(frozen=True)
class SeriesSpec:
    """Every week (or every second week) in the same periods, until the end of the school
    year. ``from_next_week``: booked yesterday, starting next week (the others run from
    the first day of school). ``rest_cancelled``: the project ended, the teacher cancelled
    the rest two days ago."""

    pool: tuple[str, str]
    user: str
    weekday: int
    periods: tuple[int, int]
    quantity: int
    purpose: str
    interval_weeks: int = 1
    from_next_week: bool = False
    rest_cancelled: bool = False


S = SeriesSpec
# fmt: off
SERIES: list[SeriesSpec] = [
    S(KRG_IPAD_1, "lehrerin.kronberg", TUE, (3, 4), 28, "Klasse 7b, Mathematik – GeoGebra"),
    S(KRG_IPAD_2, "lehrer.kronberg", THU, (1, 2), 27, "5a Deutsch – Lese-App"),
    S(KRG_LAPTOPS, "lehrerin.kronberg", WED, (7, 8), 14, "Q12 Informatik"),
    S(KRG_IPAD_1, "lehrer.kronberg", FRI, (5, 6), 26,
      "9c Geschichte – Zeitzeugen-Interviews (A-Woche)", interval_weeks=2),
    S(KRG_IPAD_2, "lehrerin.kronberg", MON, (5, 6), 25,
      "Klasse 6b, Englisch – Hörverstehen mit Podcasts", from_next_week=True),
    S(GSS_TABLETS, "lehrerin.schweinheim", MON, (3, 3), 18, "2a Lesen – Antolin-Quiz"),
    S(SPG_IPADS, "lehrerin.alzenau", MON, (5, 6), 23, "Klasse 8a, Biologie – Mikroskopie-App"),
    S(SPG_LAPTOPS_1, "lehrerin.alzenau", THU, (3, 4), 15, "Klasse 10b, Informatik – Python"),
    S(SPG_LAPTOPS_2, "lehrerin.alzenau", MON, (7, 8), 12, "P-Seminar Schülerzeitung",
      rest_cancelled=True),
    S(MSH_LAPTOPS, "lehrer.hoesbach", WED, (1, 2), 16,
      "9a Wirtschaft und Beruf – Bewerbung schreiben"),
    S(MSH_CHROMEBOOKS, "lehrer.hoesbach", FRI, (3, 6), 8,
      "Praxisklasse – Werkstattbericht mit Fotos"),
    S(HSG_IPAD_1, "lehrer.erlenbach", TUE, (1, 2), 16,
      "Q12 Physik – Messwerterfassung mit phyphox"),
    S(RSE_LAPTOPS, "lehrer.erlenbach", THU, (5, 6), 15, "7c IT – Tabellenkalkulation (Gruppe 1)"),
]
# fmt: on


@dataclass(frozen=True)
class RegionRequest:
    """A booking of the HSG's region-wide iPad case by a teacher of another school, on the
    HSG's school day nearest to ``days`` from today: approved ("confirmed"), waiting
    ("requested") or declined with a reason."""

    user: str
    days: int
    periods: tuple[int, int]
    quantity: int
    purpose: str
    status: str
    reason: str = ""


DECLINE_REASON = (
    "Leider nicht möglich: An diesem Vormittag richtet unser Medienteam alle iPads des Koffers "
    "neu ein. Ab dem nächsten Schultag ist er wieder frei."
)
R = RegionRequest
# fmt: off
REGION_REQUESTS: list[RegionRequest] = [
    R("lehrerin.kronberg", -40, (3, 6), 15, "Klasse 9a, Kunst – Stop-Motion-Filme", "confirmed"),
    R("lehrerin.alzenau", -15, (1, 6), 14, "P-Seminar Film – Schnitt mit iMovie", "confirmed"),
    R("lehrerin.kronberg", 8, (3, 4), 15, "Klasse 8c, Kunst – Trickfilm mit Stop Motion Studio",
      "requested"),
    R("lehrerin.alzenau", 12, (1, 4), 14, "10a Kunst – Animationsfilm", "declined",
      DECLINE_REASON),
    R("lehrer.hoesbach", 16, (1, 4), 10, "Praxisklasse – Bewerbungsvideos drehen", "requested"),
    R("lehrerin.schweinheim", 26, (3, 4), 12, "4a Hörspiel mit GarageBand", "requested"),
    R("lehrer.hoesbach", 33, (5, 6), 8, "M10 Projektpräsentation", "confirmed"),
]
# fmt: on
