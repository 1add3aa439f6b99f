"""The bilingual vocabulary of search: what people lend, in Korean and
English (드릴/drill, 텐트/tent, 보쉬/Bosch). Shipped as data in
listings/vocabulary.csv, extended by city staff in the admin (SearchTerm).

A query word found in it also looks for its other language; a Latin word
one letter away from a vocabulary word is read as that word (drll is
drill). The shipped Korean words are also taught to the analyzer as nouns
(listings/korean.py), so 드릴 is never read as the verb 드리다."""

import csv
import functools
import unicodedata
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

SHIPPED = Path(__file__).with_name("vocabulary.csv")
CACHE_KEY = "search:vocabulary:v1"
CACHE_SECONDS = 300


@functools.cache
def shipped_terms() -> tuple[tuple[str, str], ...]:
    """(Korean, English) pairs of the shipped file."""
    with SHIPPED.open(encoding="utf-8") as file:
        return tuple((row["korean"].strip(), row["english"].strip().casefold())
                     for row in csv.DictReader(file) if row["korean"] and row["english"])


def term_key(term: str) -> str:
    """How a query meets a term: no spaces, folded, in one Unicode form."""
    return "".join(unicodedata.normalize("NFKC", term).split()).casefold()


def _translations(pairs) -> dict[str, list[str]]:
    translations: dict[str, list[str]] = {}
    for korean, english in pairs:
        translations.setdefault(term_key(korean), []).append(english)
        translations.setdefault(term_key(english), []).append(korean)
    return {key: sorted(set(others)) for key, others in translations.items()}


def translations() -> dict[str, list[str]]:
    """Each term's key: the terms of the other language it stands for.
    Kept in the cache; staff additions reach it within CACHE_SECONDS (at
    once through the admin, which forgets it)."""
    known = cache.get(CACHE_KEY)
    if known is None:
        from listings.models import SearchTerm

        added = SearchTerm.objects.values_list("korean", "english")
        known = _translations([*shipped_terms(),
                               *((k.strip(), e.strip().casefold()) for k, e in added)])
        cache.set(CACHE_KEY, known, CACHE_SECONDS)
    return known


def forget() -> None:
    """Staff changed the vocabulary: searches read it afresh once that
    change is committed (at once in this process, and in every process
    sharing the cache: Redis at scale)."""
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def one_letter_away(word: str, candidates) -> str | None:
    """The candidate one edit (a letter changed, added, dropped or two
    swapped) from a Latin word of four letters or more, if exactly one is."""
    if len(word) < 4:
        return None
    found = {c for c in candidates if c != word and abs(len(c) - len(word)) <= 1
             and c.isascii() and _one_edit(word, c)}
    return found.pop() if len(found) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))
