"""The demo of lending to residents: the libraries' rules, agreements, readers and loans.

Plain data, read by ``demo/lending.py``. Organizations are named by slug, pools by
organization and name, people by the local part of their email address (the domain is
``demo.data.organizations.DEMO_EMAIL_DOMAIN``), exactly as in the other demo data files.

Days are relative to the day of seeding (``T``): ``-3`` is three days ago. A pick-up day is
moved to the library's nearest opening day before it, so that nobody picks up a laptop on a
Monday when the library is closed; hand-outs and returns happen within its opening hours. Both
come from the library's opening calendar (``organizations.hours``: its weekly hours in
demo/data/organizations.py, holidays and special hours such as Christmas Eve), as the loan
service reads it.
"""

from __future__ import annotations

from typing import Any

# --- The libraries ------------------------------------------------------------------------

POLICIES: dict[str, dict[str, Any]] = {
    "stadtbibliothek-aschaffenburg": {
        "reminder_days_before": 2,
        "overdue_notice_days": "1,7,14",
        "hold_days": 3,
    },
    "stadtbibliothek-alzenau": {
        "reminder_days_before": 2,
        "overdue_notice_days": "1,7",
        "hold_days": 3,
    },
    # Open three afternoons a week: a longer hold, and the reminder a day earlier.
    "stadtbuecherei-obernburg": {
        "reminder_days_before": 3,
        "overdue_notice_days": "1,7",
        "hold_days": 5,
    },
    "stadtbuecherei-miltenberg": {
        "reminder_days_before": 2,
        "overdue_notice_days": "1,10",
        "hold_days": 3,
    },
}

# How library card numbers look at each library: a prefix and a number of digits.
CARD_FORMATS: dict[str, tuple[str, int]] = {
    "stadtbibliothek-aschaffenburg": ("AB", 7),
    "stadtbibliothek-alzenau": ("ALZ-", 5),
    "stadtbuecherei-obernburg": ("OBB", 4),
    "stadtbuecherei-miltenberg": ("MIL-", 5),
}

# What to bring, per pool (only written where the pool has no pick-up note yet).
PICKUP_NOTES: dict[tuple[str, str], str] = {
    ("stadtbibliothek-aschaffenburg", "Leih-Laptops"): (
        "Bitte bringen Sie Ihren Bibliotheksausweis und einen Lichtbildausweis mit. "
        "Abholung an der Ausleihtheke im Erdgeschoss."
    ),
    ("stadtbibliothek-aschaffenburg", "Leih-Tablets"): (
        "Bitte bringen Sie Ihren Bibliotheksausweis mit. Wir zeigen Ihnen bei der Abholung "
        "gern die ersten Schritte."
    ),
    ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"): (
        "Bitte bringen Sie Ihren Bibliotheksausweis mit; Ihr Onleihe-Konto richten wir bei "
        "Bedarf an der Theke ein."
    ),
    ("stadtbibliothek-alzenau", "Leih-Tablets"): (
        "Bibliotheksausweis mitbringen. Kinder unter 16 Jahren leihen mit einer "
        "Einverständniserklärung der Eltern."
    ),
    ("stadtbuecherei-obernburg", "Leih-Laptops"): (
        "Bitte Bibliotheksausweis und Personalausweis mitbringen. Abholung nur zu den "
        "Öffnungszeiten (Di, Do, Sa)."
    ),
    ("stadtbuecherei-miltenberg", "Leih-Tablets"): (
        "Bibliotheksausweis mitbringen. Für Kinder bitte mit einem Elternteil abholen."
    ),
    ("stadtbuecherei-miltenberg", "Leih-E-Reader"): "Bitte Bibliotheksausweis mitbringen.",
}

# --- Borrowing agreements -------------------------------------------------------------------

_CARE = (
    "Behandeln Sie das Gerät und das Zubehör sorgfältig: vor Nässe, Hitze und Stößen "
    "schützen, nur mit dem mitgelieferten Ladegerät laden und nicht an Dritte weitergeben. "
    "Eigene Apps oder Programme dürfen nicht installiert werden."
)
_LOSS = (
    "Verlust, Diebstahl oder Schäden melden Sie bitte sofort an der Ausleihtheke; einen "
    "Diebstahl zeigen Sie bei der Polizei an. Für Schäden, die durch unsachgemäßen Gebrauch "
    "entstehen, und für den Verlust haften Sie bis zum Zeitwert des Geräts."
)
_DATA = (
    "Bei der Rückgabe werden alle Daten auf dem Gerät gelöscht und das Gerät wird auf den "
    "Auslieferungszustand zurückgesetzt. Speichern Sie Ihre Dateien vorher auf einem eigenen "
    "Datenträger oder in Ihrem eigenen Online-Speicher. Melden Sie sich vor der Rückgabe von "
    "allen Konten ab."
)
_AGE = (
    "Ausleihen darf, wer mindestens 16 Jahre alt ist und einen gültigen Bibliotheksausweis "
    "hat. Jüngere leihen mit der schriftlichen Einwilligung einer erziehungsberechtigten "
    "Person, die dann für das Gerät haftet."
)


def _return(days: str) -> str:
    return (
        f"Die Leihfrist steht auf Ihrem Ausleihbeleg und unter „Meine Ausleihen“. Geben Sie das "
        f"Gerät vollständig und persönlich an der Ausleihtheke zurück. Sie werden vor dem "
        f"Fälligkeitstag per E-Mail erinnert; bei Überschreitung erhalten Sie Mahnungen "
        f"({days}). Solange ein Gerät überfällig ist, können Sie nichts Neues ausleihen oder "
        f"verlängern."
    )


# The first versions are older than the loan history can be (it starts shortly before last
# school year: at most two years and a few weeks ago), so every loan has one to accept.
AGREEMENTS: list[dict[str, Any]] = [
    {
        "organization": "stadtbibliothek-aschaffenburg",
        "version": 1,
        "days_ago": 790,
        "title": "Leihbedingungen für Laptops, Tablets und E-Reader",
        "text": "\n\n".join(
            [
                "Die Stadtbibliothek Aschaffenburg verleiht Laptops, Tablets und E-Reader, "
                "damit alle Menschen in der Stadt digital teilhaben können. Mit Ihrer "
                "Zustimmung erkennen Sie die folgenden Bedingungen an.",
                _AGE,
                _return("1, 7 und 14 Tage nach dem Fälligkeitstag"),
                _CARE,
                _LOSS,
                _DATA,
            ]
        ),
    },
    {
        # The second version: a loan can be renewed online now, and what is logged is named.
        "organization": "stadtbibliothek-aschaffenburg",
        "version": 2,
        "days_ago": 10,
        "title": "Leihbedingungen für Laptops, Tablets und E-Reader",
        "text": "\n\n".join(
            [
                "Die Stadtbibliothek Aschaffenburg verleiht Laptops, Tablets und E-Reader, "
                "damit alle Menschen in der Stadt digital teilhaben können. Mit Ihrer "
                "Zustimmung erkennen Sie die folgenden Bedingungen an (Fassung 2: Verlängern "
                "online, Datenschutz).",
                _AGE,
                _return("1, 7 und 14 Tage nach dem Fälligkeitstag"),
                "Sie können eine Ausleihe unter „Meine Ausleihen“ selbst verlängern, solange "
                "niemand auf ein Gerät wartet und die Verlängerungen des Gerätesets nicht "
                "ausgeschöpft sind.",
                _CARE,
                _LOSS,
                _DATA,
                "Die Bibliothek speichert zu jeder Ausleihe nur, wer welches Gerät wann "
                "ausgeliehen und zurückgegeben hat. Diese Angaben werden ein Jahr nach der "
                "Rückgabe gelöscht.",
            ]
        ),
    },
    {
        "organization": "stadtbibliothek-alzenau",
        "version": 1,
        "days_ago": 770,
        "title": "Nutzungsbedingungen Leih-Tablets",
        "text": "\n\n".join(
            [
                "Die Stadtbibliothek Alzenau verleiht Tablets an Leserinnen und Leser mit "
                "gültigem Ausweis.",
                _AGE,
                _return("1 und 7 Tage nach dem Fälligkeitstag"),
                _CARE,
                _LOSS,
                _DATA,
            ]
        ),
    },
    {
        "organization": "stadtbuecherei-obernburg",
        "version": 1,
        "days_ago": 775,
        "title": "Leihvertrag Laptop",
        "text": "\n\n".join(
            [
                "Die Stadtbücherei Obernburg leiht Ihnen einen Laptop für zu Hause. Bitte "
                "beachten Sie: Wir haben nur zwei Geräte, geben Sie Ihres deshalb pünktlich "
                "zurück.",
                _AGE,
                _return("1 und 7 Tage nach dem Fälligkeitstag"),
                _CARE,
                _LOSS,
                _DATA,
            ]
        ),
    },
    {
        "organization": "stadtbuecherei-miltenberg",
        "version": 1,
        "days_ago": 780,
        "title": "Leihbedingungen für Tablets und E-Reader",
        "text": "\n\n".join(
            [
                "Die Stadtbücherei Miltenberg verleiht Tablets und E-Reader. Die Tablets haben "
                "ein Kinderprofil; Kinder unter 16 Jahren leihen mit einem Elternteil.",
                _AGE,
                _return("1 und 10 Tage nach dem Fälligkeitstag"),
                _CARE,
                _LOSS,
                _DATA,
            ]
        ),
    },
]

# --- Readers ----------------------------------------------------------------------------------

# Residents with no role anywhere, who borrow and take courses. The four demo residents of
# demo/data/organizations.py (buergerin, buerger, leonie.arnold, resident.en) borrow at the
# Stadtbibliothek Aschaffenburg; these add the other people of the region. "home" is the
# library they borrow from. Names are invented.
RESIDENTS: list[dict[str, str]] = [
    {"name": "Ayşe Yılmaz", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Olena Kovalenko", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Günter Fischer", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Renate Schulz", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Mehmet Demir", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Sophie Winter", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Karl-Heinz Albrecht", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Fatima Haddad", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Jan Petersen", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Ingrid Sommer", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Dmytro Bondarenko", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Lena Hoffmann", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Wolfgang Seidel", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Elif Kaya", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Gisela Franke", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Paul Jung", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Hannelore Kraft", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Nikola Petrović", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Marta Nowak", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Dieter Haas", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Amir Rahimi", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Brigitte Lehmann", "home": "stadtbibliothek-aschaffenburg"},
    {"name": "Tim Schubert", "home": "stadtbibliothek-alzenau"},
    {"name": "Heike Brandt", "home": "stadtbibliothek-alzenau"},
    {"name": "Svetlana Popova", "home": "stadtbibliothek-alzenau"},
    {"name": "Rolf Engel", "home": "stadtbibliothek-alzenau"},
    {"name": "Nadine Busch", "home": "stadtbibliothek-alzenau"},
    {"name": "Emre Aydın", "home": "stadtbibliothek-alzenau"},
    {"name": "Christa Ludwig", "home": "stadtbibliothek-alzenau"},
    {"name": "Jonas Kühn", "home": "stadtbibliothek-alzenau"},
    {"name": "Hildegard Pohl", "home": "stadtbuecherei-obernburg"},
    {"name": "Ali Şahin", "home": "stadtbuecherei-obernburg"},
    {"name": "Erika Sauer", "home": "stadtbuecherei-obernburg"},
    {"name": "Kevin Möller", "home": "stadtbuecherei-obernburg"},
    {"name": "Irmgard Winkler", "home": "stadtbuecherei-miltenberg"},
    {"name": "Oksana Melnyk", "home": "stadtbuecherei-miltenberg"},
    {"name": "Bernd Kuhn", "home": "stadtbuecherei-miltenberg"},
    {"name": "Marlene Graf", "home": "stadtbuecherei-miltenberg"},
    {"name": "Yusuf Arslan", "home": "stadtbuecherei-miltenberg"},
    {"name": "Anneliese Roth", "home": "stadtbuecherei-miltenberg"},
    {"name": "Daniel Okafor", "home": "stadtbuecherei-miltenberg", "language": "en"},
    {"name": "Petra Lindner", "home": "stadtbuecherei-miltenberg"},
]

# The demo residents of demo/data/organizations.py and where they borrow.
DEMO_RESIDENTS: dict[str, str] = {
    "buergerin": "stadtbibliothek-aschaffenburg",
    "buerger": "stadtbibliothek-aschaffenburg",
    "leonie.arnold": "stadtbibliothek-aschaffenburg",
    "resident.en": "stadtbibliothek-aschaffenburg",
}

# --- Now ---------------------------------------------------------------------------------------

# What is going on at the day of seeding, pool by pool. Each entry takes one device of the pool
# (except "waiting"):
#   loan     an open loan picked up ``pickup`` days ago (≤ 0), ``renewals`` times renewed;
#            overdue when its due day has passed
#   pickup   a reservation to pick up on day ``pickup`` (0 today, 1 tomorrow), not handed out
#   offered  a device came back ``returned`` days ago and is held for the first on the list
#   waiting  on the waiting list since ``joined`` days ago
# People are email local parts; generated residents by their index in RESIDENTS ("#3").
NOW: list[dict[str, Any]] = [
    # Stadtbibliothek Aschaffenburg, laptops (21 days, one renewal): two out for weeks, one
    # of them overdue for over a week (Horst Becker is blocked until he brings it back).
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "buerger",
        "pickup": -30,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "leonie.arnold",
        "pickup": -12,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "#0",
        "pickup": -19,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "#4",
        "pickup": -8,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "#8",
        "pickup": -3,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "pickup",
        "who": "#1",
        "pickup": 0,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Laptops"),
        "kind": "pickup",
        "who": "#10",
        "pickup": 1,
    },
    # Tablets (14 days, two renewals): Maria Keller renewed hers once.
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Tablets"),
        "kind": "loan",
        "who": "buergerin",
        "pickup": -20,
        "renewals": 1,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Tablets"),
        "kind": "loan",
        "who": "#3",
        "pickup": -6,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Tablets"),
        "kind": "loan",
        "who": "#14",
        "pickup": -11,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-Tablets"),
        "kind": "pickup",
        "who": "#16",
        "pickup": 0,
    },
    # E-readers (21 days): all six out or held; three people wait, Maria Keller first.
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#2",
        "pickup": -18,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#6",
        "pickup": -15,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#9",
        "pickup": -12,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#12",
        "pickup": -7,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#19",
        "pickup": -2,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "offered",
        "who": "#15",
        "joined": -14,
        "returned": -2,
        "previous": "#21",
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "waiting",
        "who": "buergerin",
        # Before version 2 of the agreement: reserving something new asks her to accept it.
        "joined": -12,
    },
    {
        "pool": ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"),
        "kind": "waiting",
        "who": "#17",
        "joined": -3,
    },
    # Stadtbibliothek Alzenau, tablets (14 days): one overdue for three days.
    {
        "pool": ("stadtbibliothek-alzenau", "Leih-Tablets"),
        "kind": "loan",
        "who": "#23",
        "pickup": -17,
    },
    {
        "pool": ("stadtbibliothek-alzenau", "Leih-Tablets"),
        "kind": "loan",
        "who": "#25",
        "pickup": -9,
    },
    {
        "pool": ("stadtbibliothek-alzenau", "Leih-Tablets"),
        "kind": "loan",
        "who": "#27",
        "pickup": -4,
    },
    {
        "pool": ("stadtbibliothek-alzenau", "Leih-Tablets"),
        "kind": "pickup",
        "who": "#28",
        "pickup": 0,
    },
    # Stadtbücherei Obernburg, two laptops (14 days): one out, one to pick up tomorrow.
    {
        "pool": ("stadtbuecherei-obernburg", "Leih-Laptops"),
        "kind": "loan",
        "who": "#30",
        "pickup": -5,
    },
    {
        "pool": ("stadtbuecherei-obernburg", "Leih-Laptops"),
        "kind": "pickup",
        "who": "#32",
        "pickup": 1,
    },
    # Stadtbücherei Miltenberg (21 days): one e-reader two days overdue.
    {
        "pool": ("stadtbuecherei-miltenberg", "Leih-Tablets"),
        "kind": "loan",
        "who": "#34",
        "pickup": -10,
    },
    {
        "pool": ("stadtbuecherei-miltenberg", "Leih-Tablets"),
        "kind": "loan",
        "who": "#40",
        "pickup": -3,
    },
    {
        "pool": ("stadtbuecherei-miltenberg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#36",
        "pickup": -23,
    },
    {
        "pool": ("stadtbuecherei-miltenberg", "Leih-E-Reader"),
        "kind": "loan",
        "who": "#38",
        "pickup": -14,
    },
]

# How busy each pool was over the past year: the mean days a device stays on the shelf
# between two loans.
IDLE_DAYS: dict[tuple[str, str], int] = {
    ("stadtbibliothek-aschaffenburg", "Leih-Laptops"): 4,
    ("stadtbibliothek-aschaffenburg", "Leih-Tablets"): 7,
    ("stadtbibliothek-aschaffenburg", "Leih-E-Reader"): 6,
    ("stadtbibliothek-alzenau", "Leih-Tablets"): 10,
    ("stadtbuecherei-obernburg", "Leih-Laptops"): 5,
    ("stadtbuecherei-miltenberg", "Leih-Tablets"): 12,
    ("stadtbuecherei-miltenberg", "Leih-E-Reader"): 14,
}
# Share of past loans returned late (by 1 to 8 days), and renewed once.
SHARE_LATE = 0.12
SHARE_RENEWED = 0.15
# The history starts this many days before the first day of last school year (1 August), so
# that the school year running when the demo is seeded, and last school year, compare with a
# year of figures, as the schools' bookings do (demo/booking.py).
HISTORY_MARGIN_DAYS = 14
