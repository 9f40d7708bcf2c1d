"""The demo course programme: digital-skills courses across the region's providers.

Plain data, read by ``demo/courses.py``. A course ``TEMPLATES`` entry is what a provider
writes about a course; a ``RUNS`` entry is one run of it at a provider: where, from which
week (relative to the week of seeding: 0 this week, -6 six weeks ago), which weekday and
time, how many meetings, seats, and how full it is. Organizations by slug, rooms by Location
name, pools by name, people by email local part, as in the other demo data files.

``fill`` is the share of seats taken; ``waiting`` how many wait beyond a full course;
``cancelled`` how many cancelled their place; ``promoted`` how many of the waiting moved up
when someone cancelled. ``state`` is "published" (default), "draft" or "cancelled".
"""

from __future__ import annotations

import datetime
from typing import Any

T = datetime.time

SMARTPHONE_QUESTION = "Welches Smartphone bringen Sie mit (Android oder iPhone)?"
LAPTOP_QUESTION = "Bringen Sie einen eigenen Laptop mit?"

# Rooms the providers run courses in that demo/data/organizations.py does not list.
LOCATIONS: list[dict[str, Any]] = [
    {
        "organization": "stadtbibliothek-alzenau",
        "name": "Veranstaltungsraum",
        "step_free": True,
        "accessibility_notes": "Erdgeschoss neben der Ausleihtheke, Rampe am Parkplatz.",
    },
    {
        "organization": "stadtbuecherei-obernburg",
        "name": "Lesecafé",
        "step_free": True,
        "accessibility_notes": "Erdgeschoss, Eingang Römerstraße ohne Stufen.",
    },
    {
        "organization": "stadtbuecherei-miltenberg",
        "name": "Gruppenraum im Erdgeschoss",
        "step_free": True,
        "accessibility_notes": (
            "Seiteneingang am Engelplatz mit Klingel, dann ebenerdig. Kein barrierefreies WC "
            "im Haus; das nächste ist im Rathaus (50 m)."
        ),
    },
    {
        "organization": "vhs-aschaffenburg",
        "name": "Außenstelle Goldbach, Bürgerhaus",
        "street": "Aschaffenburger Straße 2, 63773 Goldbach",
        "step_free": True,
        "accessibility_notes": "Saal im Erdgeschoss, Behindertenparkplatz vor dem Haus.",
    },
]

TEMPLATES: dict[str, dict[str, Any]] = {
    "smartphone-senioren": {
        "title": "Smartphone-Grundlagen für Seniorinnen und Senioren",
        "topic": "smartphone",
        "audience": "seniors",
        "summary": "In Ruhe und in kleiner Gruppe: das eigene Smartphone sicher bedienen.",
        "description": (
            "Wir üben Schritt für Schritt mit Ihrem eigenen Gerät: Tippen und Wischen, "
            "Kontakte anlegen, telefonieren, Nachrichten und Fotos verschicken, die Schrift "
            "größer stellen und Apps installieren. Sie bekommen ein Merkheft zum Nachschlagen "
            "für zu Hause.\n\nDas Tempo bestimmt die Gruppe; niemand muss etwas vorher können."
        ),
        "prerequisites": "Ein eigenes Smartphone (Android oder iPhone), aufgeladen.",
        "questions": SMARTPHONE_QUESTION,
    },
    "smartphone-leicht": {
        "title": "Mein Smartphone – einfach erklärt",
        "topic": "smartphone",
        "audience": "residents",
        "language": "de-simple",
        "summary": "Wir erklären das Handy in Leichter Sprache. Langsam und mit vielen Pausen.",
        "description": (
            "In diesem Kurs lernen Sie Ihr Handy kennen. Wir sprechen langsam. Wir erklären "
            "alles in Leichter Sprache.\n\nSie lernen: Anrufen. Nachrichten schreiben. Fotos "
            "machen. Das Handy sicher machen."
        ),
        "prerequisites": "Bitte bringen Sie Ihr Handy mit.",
    },
    "tablet-einstieg": {
        "title": "Tablet-Einstieg: iPad kennenlernen",
        "topic": "smartphone",
        "audience": "seniors",
        "summary": "Erste Schritte am iPad mit Leihgeräten der vhs – kein eigenes Gerät nötig.",
        "description": (
            "Sie arbeiten mit einem iPad der vhs: einschalten, Apps öffnen, im Internet suchen, "
            "Videotelefonie mit der Familie, Fotos ansehen und vergrößern. Am Ende wissen Sie, "
            "ob ein Tablet für Sie das Richtige ist."
        ),
    },
    "online-banking": {
        "title": "Online-Banking sicher nutzen",
        "topic": "online_banking",
        "audience": "residents",
        "summary": "Überweisungen, Banking-App und TAN-Verfahren – und wie Sie Betrug erkennen.",
        "description": (
            "Wie funktioniert Online-Banking, und was ist eine TAN? Wir zeigen am Beispiel von "
            "Übungskonten, wie Sie Überweisungen und Daueraufträge einrichten, Kontoauszüge "
            "herunterladen und die Banking-App einrichten. Ein Schwerpunkt: gefälschte E-Mails "
            "und Anrufe („Phishing“) erkennen.\n\nIn Zusammenarbeit mit der Verbraucherzentrale "
            "Bayern. Sie brauchen keine Zugangsdaten Ihrer Bank."
        ),
        "prerequisites": "Grundkenntnisse am Smartphone oder Computer.",
    },
    "sicher-im-internet": {
        "title": "Sicher im Internet",
        "topic": "safety",
        "audience": "residents",
        "summary": "Gute Passwörter, Updates, Betrugsmaschen – so schützen Sie sich im Netz.",
        "description": (
            "Wir besprechen die häufigsten Gefahren im Internet und was wirklich hilft: sichere "
            "Passwörter und ein Passwortmanager, Zwei-Faktor-Anmeldung, Updates, gefälschte "
            "Shops und Nachrichten. Mit vielen Beispielen aus dem Alltag und einer Checkliste "
            "zum Mitnehmen."
        ),
    },
    "word-excel": {
        "title": "Word und Excel für den Beruf",
        "topic": "office",
        "audience": "workers",
        "level": "intermediate",
        "summary": "Briefe, Tabellen und einfache Formeln – sicher im Büroalltag.",
        "description": (
            "Für alle, die im Beruf mit Office arbeiten oder wieder einsteigen: Geschäftsbriefe "
            "nach DIN 5008 mit Vorlagen, Serienbriefe, Tabellen mit Formeln und Diagrammen, "
            "Filter und Sortieren. Gearbeitet wird an den Laptops der vhs mit Übungsdateien."
        ),
        "prerequisites": "Maus und Tastatur sicher bedienen; Dateien speichern und öffnen.",
    },
    "libreoffice": {
        "title": "Texte und Tabellen mit LibreOffice",
        "topic": "office",
        "audience": "residents",
        "summary": "Das kostenlose Office-Paket kennenlernen: Brief, Lebenslauf, Haushaltsbuch.",
        "description": (
            "LibreOffice ist frei und kostenlos. Wir schreiben einen Brief und einen "
            "Lebenslauf, legen ein Haushaltsbuch als Tabelle an und speichern alles so, dass "
            "es auch mit Word und Excel geöffnet werden kann."
        ),
        "questions": LAPTOP_QUESTION,
    },
    "ki-alltag": {
        "title": "KI im Alltag: ChatGPT & Co. verstehen",
        "topic": "ai",
        "audience": "residents",
        "summary": "Was kann künstliche Intelligenz, wo irrt sie, was geschieht mit Ihren Daten?",
        "description": (
            "Sprachassistenten, Übersetzer, Chatbots: Wir probieren KI-Werkzeuge gemeinsam aus, "
            "schreiben mit ihrer Hilfe einen Brief, lassen uns etwas erklären und prüfen die "
            "Antworten. Wir sprechen über Grenzen, Fehler, Urheberrecht und Datenschutz."
        ),
    },
    "ki-beruf": {
        "title": "KI-Werkzeuge im Büro",
        "topic": "ai",
        "audience": "workers",
        "level": "intermediate",
        "summary": "Texte, Zusammenfassungen und Recherche mit KI – verantwortungsvoll eingesetzt.",
        "description": (
            "Wie setzen Sie KI-Werkzeuge im Büro sinnvoll ein? Prompts formulieren, Texte "
            "überarbeiten, Protokolle zusammenfassen, Ergebnisse prüfen. Mit den Regeln zum "
            "Datenschutz und zur KI-Verordnung der EU."
        ),
        "prerequisites": "Sicherer Umgang mit dem Computer.",
    },
    "scratch-kinder": {
        "title": "Programmieren mit Scratch für Kinder",
        "topic": "coding",
        "audience": "young_people",
        "summary": "Eigene Spiele und Geschichten programmieren – für Kinder von 9 bis 12 Jahren.",
        "description": (
            "Mit Scratch setzen Kinder Programme aus bunten Bausteinen zusammen: Figuren "
            "bewegen sich, sprechen und reagieren auf Tasten. In jedem Treffen entsteht ein "
            "kleines Spiel. Zum Schluss stellen alle ihr Projekt vor."
        ),
        "prerequisites": "Kinder von 9 bis 12 Jahren; Lesen und Schreiben.",
    },
    "calliope": {
        "title": "Calliope mini: Erfinden und Programmieren",
        "topic": "coding",
        "audience": "young_people",
        "summary": "Mit dem Mini-Computer Calliope blinken, messen und Spiele bauen (10–14 Jahre).",
        "description": (
            "Der Calliope mini ist ein kleiner Computer mit Lichtern, Tasten und Sensoren. Wir "
            "programmieren ihn am Tablet: ein Würfel, ein Schrittzähler, ein Reaktionsspiel."
        ),
    },
    "tablets-unterricht": {
        "title": "Tablets im Unterricht",
        "topic": "digital_teaching",
        "audience": "teachers",
        "summary": "Schulinterne Fortbildung: iPad-Koffer im Fachunterricht sinnvoll einsetzen.",
        "description": (
            "Praxisnah für Lehrkräfte aller Fächer: Geräte verteilen und einsammeln, Arbeits"
            "aufträge mit digitalen Pinnwänden, Lernvideos erstellen, Ergebnisse sichern. Mit "
            "Beispielen aus Mathematik, Deutsch und Biologie."
        ),
        "prerequisites": "Lehrkraft an einer Schule der Region.",
    },
    "digitale-tafel": {
        "title": "Digital unterrichten: Tafelbild, Feedback, Lernplattform",
        "topic": "digital_teaching",
        "audience": "teachers",
        "level": "intermediate",
        "summary": "Für Lehrkräfte: digitales Tafelbild, schnelle Rückmeldungen und mebis.",
        "description": (
            "Wir erstellen ein digitales Tafelbild, holen mit Umfragewerkzeugen Rückmeldungen "
            "ein und richten einen Kurs auf der Lernplattform mebis ein. Datenschutzkonform und "
            "ohne Konten für die Schülerinnen und Schüler."
        ),
    },
    "behoerdengaenge": {
        "title": "Digitale Behördengänge: BayernID und ELSTER",
        "topic": "administration",
        "audience": "residents",
        "summary": "Anträge online stellen und die Steuererklärung mit ELSTER vorbereiten.",
        "description": (
            "Wir richten gemeinsam die BayernID ein, stellen einen Antrag im BayernPortal und "
            "sehen uns ELSTER an: Registrierung, Zertifikat, die Steuererklärung für "
            "Rentnerinnen und Rentner. Eigene Daten geben Sie nur ein, wenn Sie möchten."
        ),
        "prerequisites": "Personalausweis mit Online-Funktion und PIN, falls vorhanden.",
    },
    "fotos-smartphone": {
        "title": "Fotos am Smartphone bearbeiten",
        "topic": "media",
        "audience": "residents",
        "summary": "Zuschneiden, aufhellen, Fotobuch: schöne Bilder mit dem Smartphone.",
        "description": (
            "Wir fotografieren in der Altstadt und bearbeiten die Bilder gleich am Smartphone: "
            "zuschneiden, begradigen, aufhellen, Filter. Außerdem: Fotos ordnen, sichern und "
            "ein Fotobuch gestalten."
        ),
        "questions": SMARTPHONE_QUESTION,
    },
    "videotelefonie": {
        "title": "Videotelefonie mit der Familie",
        "topic": "smartphone",
        "audience": "seniors",
        "summary": "Enkel sehen statt nur hören: WhatsApp, FaceTime und Signal ausprobieren.",
        "description": (
            "Wir richten Videotelefonie auf Ihrem Gerät ein und rufen uns gegenseitig an. "
            "Digitallotsinnen und -lotsen des Seniorenbüros helfen einzeln weiter."
        ),
    },
    "bewerbung-digital": {
        "title": "Bewerben mit dem Laptop",
        "topic": "office",
        "audience": "young_people",
        "summary": "Lebenslauf, Anschreiben, Online-Bewerbung – für Jugendliche ab 14.",
        "description": (
            "Gemeinsam mit der Berufsberatung: ein ordentlicher Lebenslauf, ein Anschreiben, "
            "Bewerbungsfotos, eine Bewerbung per E-Mail und über ein Online-Portal."
        ),
    },
    "smartphone-tuerkisch": {
        "title": "Akıllı telefon kullanımı – Smartphone-Kurs auf Türkisch",
        "topic": "smartphone",
        "audience": "residents",
        "language": "tr",
        "summary": "Akıllı telefonunuzu adım adım tanıyın: WhatsApp, fotoğraflar, güvenlik.",
        "description": (
            "Bu kursta kendi akıllı telefonunuzla çalışıyoruz: kişiler, WhatsApp, fotoğraflar, "
            "randevu uygulamaları ve güvenlik ayarları. Kurs Türkçe yapılır.\n\nDer Kurs findet "
            "auf Türkisch statt."
        ),
        "questions": SMARTPHONE_QUESTION,
    },
    "behoerden-ukrainisch": {
        "title": "Онлайн-послуги в Німеччині – Digitale Behördengänge auf Ukrainisch",
        "topic": "administration",
        "audience": "residents",
        "language": "uk",
        "summary": "Запис до установ онлайн, BayernID, Jobcenter-портал – українською мовою.",
        "description": (
            "Ми разом записуємося на прийом онлайн, створюємо BayernID і розбираємося з "
            "порталом Jobcenter. Курс проходить українською мовою.\n\nDer Kurs findet auf "
            "Ukrainisch statt."
        ),
    },
    "online-services-english": {
        "title": "Digital Germany: online services in English",
        "topic": "administration",
        "audience": "residents",
        "language": "en",
        "summary": "Appointments, BayernID, banking apps, Deutschlandticket – in English.",
        "description": (
            "For newcomers to the region: we book appointments online, set up the BayernID, "
            "look at banking apps and buy the Deutschlandticket. The course is held in English."
        ),
    },
    "datenschutz-smartphone": {
        "title": "Datenschutz am Smartphone",
        "topic": "safety",
        "audience": "residents",
        "level": "intermediate",
        "summary": "App-Berechtigungen, Standort, Werbe-ID: was Ihr Handy über Sie verrät.",
        "description": (
            "Wir gehen die Einstellungen Ihres Smartphones durch: Berechtigungen, Standort, "
            "Werbe-ID, Backups, Messenger mit Verschlüsselung. Sie entscheiden, was Sie ändern."
        ),
        "questions": SMARTPHONE_QUESTION,
    },
}

W = 1  # readability: weeks

# One run of a template at a provider. "weeks": first week relative to now; "day": weekday of
# the meetings (0 = Monday); "time": (from, to); "count": meetings.
RUNS: list[dict[str, Any]] = [
    # --- vhs Aschaffenburg (the demo staff login kurse.vhs runs these) -----------------------
    {
        "template": "smartphone-senioren",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 2.11",
        "weeks": 1,
        "day": 1,
        "time": (T(9, 30), T(11)),
        "count": 4,
        "capacity": 10,
        "min": 5,
        "fill": 1.0,
        "waiting": 4,
        "price": "39.00",
        "people": ["buergerin"],
    },
    {
        "template": "online-banking",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": 2,
        "day": 2,
        "time": (T(18), T(20, 15)),
        "count": 2,
        "capacity": 12,
        "min": 6,
        "fill": 0.5,
        "cancelled": 2,
        "price": "25.00",
        "people": ["buergerin"],
    },
    {
        "template": "word-excel",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 2.11",
        "weeks": 3,
        "day": 0,
        "time": (T(18), T(20, 15)),
        "count": 6,
        "capacity": 12,
        "min": 6,
        "fill": 0.75,
        "price": "89.00",
        "pool": "Kurs-Laptops",
        "devices": 12,
    },
    {
        "template": "tablet-einstieg",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 2.11",
        "weeks": -7,
        "day": 3,
        "time": (T(10), T(11, 30)),
        "count": 4,
        "capacity": 10,
        "min": 4,
        "fill": 0.9,
        "price": "29.00",
        "pool": "Kurs-Tablets",
        "devices": 10,
    },
    {
        "template": "tablet-einstieg",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 2.11",
        "weeks": 5,
        "day": 3,
        "time": (T(10), T(11, 30)),
        "count": 4,
        "capacity": 10,
        "min": 4,
        "fill": 0.4,
        "price": "29.00",
        "pool": "Kurs-Tablets",
        "devices": 10,
    },
    {
        "template": "ki-alltag",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": 2,
        "day": 3,
        "time": (T(18, 30), T(20)),
        "count": 3,
        "capacity": 14,
        "min": 6,
        "fill": 1.0,
        "waiting": 5,
        "promoted": 1,
        "cancelled": 1,
        "price": "35.00",
        "waitlist_people": ["buergerin"],
    },
    {
        "template": "ki-beruf",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": -3,
        "day": 1,
        "time": (T(18), T(20, 15)),
        "count": 5,
        "capacity": 12,
        "min": 6,
        "fill": 0.75,
        "price": "79.00",
    },
    {
        "template": "sicher-im-internet",
        "organization": "vhs-aschaffenburg",
        "location": "Außenstelle Goldbach, Bürgerhaus",
        "weeks": 4,
        "day": 2,
        "time": (T(19), T(20, 30)),
        "count": 2,
        "capacity": 16,
        "min": 8,
        "fill": 0.2,
        "registration_closes_in": 3,
    },
    {
        "template": "behoerdengaenge",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": -9,
        "day": 4,
        "time": (T(9), T(12)),
        "count": 2,
        "capacity": 12,
        "min": 5,
        "fill": 0.85,
        "price": "19.00",
        "people": ["resident.en"],
    },
    {
        "template": "online-services-english",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": 3,
        "day": 5,
        "time": (T(10), T(13)),
        "count": 1,
        "capacity": 14,
        "min": 5,
        "fill": 0.5,
        "people": ["resident.en"],
    },
    {
        "template": "libreoffice",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 1.04 (EDV)",
        "weeks": 8,
        "day": 1,
        "time": (T(18), T(20, 15)),
        "count": 4,
        "capacity": 12,
        "min": 6,
        "fill": 0.0,
        "state": "draft",
        "price": "49.00",
    },
    {
        "template": "datenschutz-smartphone",
        "organization": "vhs-aschaffenburg",
        "location": "Kursraum 2.11",
        "weeks": 1,
        "day": 4,
        "time": (T(17), T(18, 30)),
        "count": 2,
        "capacity": 12,
        "min": 6,
        "fill": 0.25,
        "state": "cancelled",
        "cancel_reason": "Zu wenige Anmeldungen. Der Kurs wird im Frühjahr wieder angeboten.",
    },
    # --- vhs Miltenberg -----------------------------------------------------------------------
    {
        "template": "smartphone-senioren",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": -5,
        "day": 2,
        "time": (T(9, 30), T(11)),
        "count": 4,
        "capacity": 10,
        "min": 5,
        "fill": 1.0,
        "price": "35.00",
    },
    {
        "template": "smartphone-senioren",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": 6,
        "day": 2,
        "time": (T(9, 30), T(11)),
        "count": 4,
        "capacity": 10,
        "min": 5,
        "fill": 0.6,
        "price": "35.00",
    },
    {
        "template": "word-excel",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": -2,
        "day": 1,
        "time": (T(18, 30), T(20, 45)),
        "count": 6,
        "capacity": 10,
        "min": 5,
        "fill": 0.8,
        "price": "85.00",
        "pool": "Kurs-Laptops",
        "devices": 8,
    },
    {
        "template": "online-banking",
        "organization": "vhs-miltenberg",
        "location": "Kursraum im Alten Rathaus",
        "weeks": 4,
        "day": 3,
        "time": (T(18, 30), T(20)),
        "count": 2,
        "capacity": 12,
        "min": 6,
        "fill": 0.6,
        "price": "20.00",
    },
    {
        "template": "behoerdengaenge",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": 7,
        "day": 4,
        "time": (T(9), T(12)),
        "count": 1,
        "capacity": 10,
        "min": 4,
        "fill": 0.3,
        "pool": "Kurs-Laptops",
        "devices": 10,
    },
    {
        "template": "behoerden-ukrainisch",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": 2,
        "day": 0,
        "time": (T(16), T(18)),
        "count": 3,
        "capacity": 10,
        "min": 4,
        "fill": 0.7,
        "pool": "Kurs-Laptops",
        "devices": 6,
    },
    {
        "template": "ki-alltag",
        "organization": "vhs-miltenberg",
        "location": "EDV-Raum",
        "weeks": 9,
        "day": 1,
        "time": (T(18, 30), T(20)),
        "count": 3,
        "capacity": 12,
        "min": 6,
        "fill": 0.25,
        "price": "30.00",
    },
    # --- Stadtbibliothek Aschaffenburg -------------------------------------------------------
    {
        "template": "ki-alltag",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Lernstudio",
        "weeks": -4,
        "day": 3,
        "time": (T(17), T(18, 30)),
        "count": 2,
        "capacity": 16,
        "min": 0,
        "fill": 0.9,
        "people": ["resident.en", "buergerin"],
    },
    {
        "template": "smartphone-leicht",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Lernstudio",
        "weeks": 1,
        "day": 4,
        "time": (T(10), T(11, 30)),
        "count": 3,
        "capacity": 8,
        "min": 0,
        "fill": 1.0,
        "waiting": 3,
    },
    {
        "template": "scratch-kinder",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Kinder- und Jugendbibliothek",
        "weeks": 2,
        "day": 2,
        "time": (T(15), T(16, 30)),
        "count": 5,
        "capacity": 12,
        "min": 4,
        "fill": 1.0,
        "waiting": 6,
    },
    {
        "template": "smartphone-tuerkisch",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Lernstudio",
        "weeks": 3,
        "day": 5,
        "time": (T(10), T(12)),
        "count": 2,
        "capacity": 12,
        "min": 0,
        "fill": 0.5,
    },
    {
        "template": "fotos-smartphone",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Lernstudio",
        "weeks": -1,
        "day": 1,
        "time": (T(17), T(18, 30)),
        "count": 3,
        "capacity": 12,
        "min": 0,
        "fill": 0.8,
        "cancelled": 1,
    },
    {
        "template": "sicher-im-internet",
        "organization": "stadtbibliothek-aschaffenburg",
        "location": "Lernstudio",
        "weeks": 10,
        "day": 3,
        "time": (T(17), T(18, 30)),
        "count": 1,
        "capacity": 20,
        "min": 0,
        "fill": 0.15,
    },
    # --- Seniorenbüro Aschaffenburg ----------------------------------------------------------
    {
        "template": "videotelefonie",
        "organization": "seniorenbuero-aschaffenburg",
        "location": "Begegnungsraum",
        "weeks": 1,
        "day": 2,
        "time": (T(14), T(15, 30)),
        "count": 2,
        "capacity": 8,
        "min": 0,
        "fill": 1.0,
        "waiting": 2,
        "pool": "Übungs-Tablets",
        "devices": 4,
    },
    {
        "template": "smartphone-senioren",
        "organization": "seniorenbuero-aschaffenburg",
        "location": "Begegnungsraum",
        "weeks": -6,
        "day": 0,
        "time": (T(10), T(11, 30)),
        "count": 6,
        "capacity": 8,
        "min": 3,
        "fill": 1.0,
    },
    {
        "template": "online-banking",
        "organization": "seniorenbuero-aschaffenburg",
        "location": "Begegnungsraum",
        "weeks": 5,
        "day": 0,
        "time": (T(10), T(11, 30)),
        "count": 2,
        "capacity": 10,
        "min": 0,
        "fill": 0.7,
        "cancelled": 1,
    },
    # --- Other libraries ----------------------------------------------------------------------
    {
        "template": "tablet-einstieg",
        "organization": "stadtbibliothek-alzenau",
        "location": "Veranstaltungsraum",
        "weeks": 3,
        "day": 2,
        "time": (T(10), T(11, 30)),
        "count": 3,
        "capacity": 8,
        "min": 0,
        "fill": 0.6,
        "title": "Tablet-Sprechstunde: Android-Tablet kennenlernen",
    },
    {
        "template": "scratch-kinder",
        "organization": "stadtbibliothek-alzenau",
        "location": "Veranstaltungsraum",
        "weeks": -8,
        "day": 4,
        "time": (T(15), T(16, 30)),
        "count": 4,
        "capacity": 10,
        "min": 4,
        "fill": 1.0,
    },
    {
        "template": "libreoffice",
        "organization": "stadtbuecherei-obernburg",
        "location": "Lesecafé",
        "weeks": 4,
        "day": 3,
        "time": (T(15, 30), T(17)),
        "count": 2,
        "capacity": 6,
        "min": 0,
        "fill": 0.5,
    },
    {
        "template": "videotelefonie",
        "organization": "stadtbuecherei-miltenberg",
        "location": "Gruppenraum im Erdgeschoss",
        "weeks": 2,
        "day": 2,
        "time": (T(10), T(11, 30)),
        "count": 2,
        "capacity": 8,
        "min": 0,
        "fill": 0.75,
    },
    {
        "template": "smartphone-leicht",
        "organization": "stadtbuecherei-miltenberg",
        "location": "Gruppenraum im Erdgeschoss",
        "weeks": 11,
        "day": 3,
        "time": (T(14, 30), T(16)),
        "count": 3,
        "capacity": 8,
        "min": 0,
        "fill": 0.1,
    },
    # --- Schools: teacher training and pupils --------------------------------------------------
    {
        "template": "tablets-unterricht",
        "organization": "kronberg-gymnasium",
        "location": "Medienraum 1.12",
        "weeks": 2,
        "day": 2,
        "time": (T(14), T(16)),
        "count": 2,
        "capacity": 16,
        "min": 0,
        "fill": 0.6,
        "teachers": True,
    },
    {
        "template": "digitale-tafel",
        "organization": "kronberg-gymnasium",
        "location": "Medienraum 1.12",
        "weeks": -5,
        "day": 3,
        "time": (T(14), T(15, 30)),
        "count": 3,
        "capacity": 16,
        "min": 0,
        "fill": 0.6,
        "teachers": True,
    },
    {
        "template": "tablets-unterricht",
        "organization": "hsg-erlenbach",
        "location": "Informatikraum 2.07",
        "weeks": 6,
        "day": 1,
        "time": (T(14), T(16)),
        "count": 1,
        "capacity": 20,
        "min": 0,
        "fill": 0.4,
        "teachers": True,
    },
    {
        "template": "calliope",
        "organization": "spessart-gymnasium-alzenau",
        "location": "Medienraum",
        "weeks": 3,
        "day": 4,
        "time": (T(14), T(15, 30)),
        "count": 6,
        "capacity": 14,
        "min": 6,
        "fill": 1.0,
        "waiting": 3,
    },
    {
        "template": "bewerbung-digital",
        "organization": "mittelschule-hoesbach",
        "location": "PC-Raum 012",
        "weeks": 4,
        "day": 1,
        "time": (T(14), T(15, 30)),
        "count": 3,
        "capacity": 12,
        "min": 0,
        "fill": 0.5,
    },
    {
        "template": "digitale-tafel",
        "organization": "realschule-erlenbach",
        "location": "IT-Raum 104",
        "weeks": 7,
        "day": 2,
        "time": (T(14), T(15, 30)),
        "count": 2,
        "capacity": 12,
        "min": 0,
        "fill": 0.3,
        "teachers": True,
    },
]

# People who take courses but borrow nothing: the region's residents beyond the readers of
# demo/data/lending.py. Names are invented.
COURSE_PEOPLE: list[dict[str, str]] = [
    {"name": name}
    for name in [
        "Elisabeth Wolf",
        "Hans Meyer",
        "Ursula Krämer",
        "Manfred Scholz",
        "Erna Vogt",
        "Rita Hahn",
        "Horst Schwarz",
        "Waltraud Peters",
        "Friedrich Lang",
        "Edith Keller",
        "Sabine Kurz",
        "Thomas Brandl",
        "Andrea Reuter",
        "Stefanie Frank",
        "Markus Ott",
        "Julia Böhm",
        "Sven Martin",
        "Nina Schreiber",
        "Tobias Winkler",
        "Miriam Koch",
        "Hatice Çelik",
        "Zeynep Öztürk",
        "Murat Koç",
        "Iryna Shevchenko",
        "Andrii Tkachenko",
        "Natalia Lysenko",
        "Sara Ahmadi",
        "Lukas Meier",
        "Mia Huber",
        "Finn Weiß",
        "Emma Schäfer",
        "Noah Zimmer",
        "Lina Berger",
        "Ben Walter",
        "Klara Günther",
        "Elias Horn",
        "Johanna Kraus",
        "Felix Schmid",
        "Greta Lorenz",
        "Anton Beck",
    ]
]

# Demo teachers take the teacher trainings (besides the school's own staff).
TEACHERS = [
    "lehrerin.kronberg",
    "lehrer.kronberg",
    "lehrerin.schweinheim",
    "lehrerin.alzenau",
    "lehrer.hoesbach",
    "lehrer.erlenbach",
]
