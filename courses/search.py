"""The catalog's free-text search: what people type, found in a course's title, summary,
description, topic and provider name.

Each word must be found somewhere (in any of those fields). On PostgreSQL a word is a
full-text prefix query with the ``german`` configuration, so "Smartphones" finds
"Smartphone" and "Tablet" finds "Tabletkurs"; the course's own text is matched through the
GIN expression index of migration 0005 (``course_vector()`` is that index's expression, to
the letter, or the planner cannot use it). Elsewhere (SQLite) a word is an ``icontains`` over
the same fields. Topics are matched against their labels in German and English, in Python:
the labels live in the translations, not in the database.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Func, IntegerField, Q, QuerySet
from django.db.models.lookups import Exact
from django.utils import translation

from organizations.models import Organization

from .models import Course, Topic

CONFIG = "german"
TEXT_FIELDS = ("title", "summary", "description")
INDEX_NAME = "course_search_german"
# More words than anyone types into a search box; the rest are ignored.
MAX_WORDS = 8
# German endings of plurals and cases. The stemmer does not always bring a plural to its
# singular's stem ("Tabletkurse" → tabletkurs, "Tabletkurs" → tabletkur), so one ending is
# cut off before the word becomes a prefix, when at least four letters remain.
ENDINGS = ("ern", "en", "er", "es", "e", "n", "s")
MIN_STEM = 4
WORD = re.compile(r"\w+")


def course_vector() -> SearchVector:
    """The course's own text as PostgreSQL indexes it (migration 0005's expression)."""
    return SearchVector(*TEXT_FIELDS, config=CONFIG)


def words(query: str) -> list[str]:
    """The words of ``query`` without their inflection ending, at most ``MAX_WORDS``."""
    found = []
    for word in WORD.findall(query.replace("_", " ")):
        for ending in ENDINGS:
            if word.lower().endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                break
        found.append(word)
    return found[:MAX_WORDS]


def _topics(word: str) -> list[str]:
    """Topics with a word in their German or English label that starts with ``word`` (or is
    it, for words of one or two letters: "KI" is AI, not "Kinder")."""
    word = word.casefold()
    matching = []
    for topic in Topic:
        labels = []
        for language in ("de", "en"):
            with translation.override(language):
                labels.append(str(topic.label).casefold())
        for label_word in WORD.findall(" ".join(labels)):
            if label_word == word or (len(word) >= 3 and label_word.startswith(word)):
                matching.append(topic.value)
                break
    return matching


def _prefix_query(word: str) -> SearchQuery:
    # ``words()`` keeps letters and digits only, so nothing of tsquery's syntax gets through.
    return SearchQuery(f"{word}:*", search_type="raw", config=CONFIG)


def _word_on_postgres(word: str) -> Q:
    query = _prefix_query(word)
    in_text = Course.objects.annotate(text=course_vector()).filter(text=query).values("pk")
    providers = (
        Organization.objects.annotate(text=SearchVector("name", config=CONFIG))
        .filter(text=query)
        .values("pk")
    )
    # A stop word ("für", "mit") leaves an empty query that matches nothing: it is skipped.
    ignored = Exact(Func(query, function="numnode", output_field=IntegerField()), 0)
    return Q(pk__in=in_text) | Q(organization__in=providers) | Q(ignored)


def _word_elsewhere(word: str) -> Q:
    condition = Q(organization__name__icontains=word)
    for field in TEXT_FIELDS:
        condition |= Q(**{f"{field}__icontains": word})
    return condition


def search(courses: QuerySet[Course], query: str) -> QuerySet[Course]:
    """The courses of ``courses`` in which every word of ``query`` is found."""
    on_postgres = connections[courses.db].vendor == "postgresql"
    for word in words(query):
        condition = _word_on_postgres(word) if on_postgres else _word_elsewhere(word)
        topics = _topics(word)
        if topics:
            condition |= Q(topic__in=topics)
        courses = courses.filter(condition)
    return courses
