"""Finding listings: text in Korean and English, filters, distance, sort.

Text matching gives the same answers on PostgreSQL and SQLite because both
match against the same tokens, made here in Python:

- every listing keeps `search_tokens`: its words (title, description,
  category names in both languages, district), lowercased; Latin words also
  without a plural "s"; for Hangul, every syllable and every pair of
  neighbouring syllables, so 드릴 finds 전동드릴 written without a space;
  and the content morphemes the Korean analyzer finds (listings/korean.py:
  전동드릴 is 전동 + 드릴, 빌려드려요 holds 빌리);
- a query word in Hangul matches when the analyzer's morphemes of it are
  all among a listing's tokens (드릴을 is 드릴, 전동드릴 is 전동 and
  드릴), or, for words it does not know, when all its syllable pairs are
  (one syllable: that syllable); a Latin or digit word must begin some
  token ("dri" finds "drill"), or, from three letters, appear inside the
  title ("ject" finds "Projector").

PostgreSQL answers with a GIN index over a stored tsvector of the tokens
(migration 0005) and a pg_trgm index over lower(title) (migration 0003);
SQLite with LIKE over the same tokens.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.db.models.functions import (
    ASin,
    Cast,
    Cos,
    Lower,
    Power,
    Radians,
    Round,
    Sin,
    Sqrt,
)
from django.utils.translation import gettext as _

from community_rules.models import Community, Membership
from listings import vocabulary
from listings.korean import content_words
from listings.models import Category, Listing
from listings.selectors import Viewer, visible_listings, with_company_designated
from marketplace.dates import LOCAL, datetime_from_input
from marketplace.errors import ValidationFailed

HANGUL_CHARACTERS = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
# A word is a run of Hangul or a run of other letters and digits: 18V드릴
# is 18v and 드릴, 아이폰12 is 아이폰 and 12.
WORD = re.compile(rf"[{HANGUL_CHARACTERS}]+|[^\W_{HANGUL_CHARACTERS}]+")
HANGUL = re.compile(rf"^[{HANGUL_CHARACTERS}]+$")
EARTH_RADIUS_KM = 6371.0
KINDS = {choice.value for choice in Listing.Kind}
SORTS = {"relevance", "newest", "distance", "price"}
# Distances are shown to half a kilometre: the approximate point they are
# measured from is itself up to ~0.7 km from the listing.
DISTANCE_STEP_KM = 0.5


def _words(text: str) -> list[str]:
    # NFKC: full-width letters, circled digits and ² read as plain ones, the
    # same in Python and in PostgreSQL's parser.
    return WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())


def _is_hangul(word: str) -> bool:
    return bool(HANGUL.match(word))


def _stem(word: str) -> str:
    """A crude plural stem for Latin words: drills → drill."""
    return word[:-1] if len(word) >= 4 and word.endswith("s") and not word.endswith("ss") \
        else word


def _tokens_of_word(word: str) -> set[str]:
    if _is_hangul(word):
        return {word, *word, *(word[i:i + 2] for i in range(len(word) - 1))}
    return {word, _stem(word)}


def _korean_tokens(text: str) -> set[str]:
    """The analyzer's content morphemes of a text that has Hangul in it."""
    if not any(_is_hangul(word) for word in _words(text)):
        return set()
    return {_stem(word) for morpheme in content_words(unicodedata.normalize("NFKC", text))
            for word in _words(morpheme)}


def search_tokens_for(listing: Listing) -> str:
    """The listing's search tokens, space-separated between spaces."""
    category = listing.category
    texts = [listing.title, listing.description, listing.district]
    for cat in (category, category.parent if category and category.parent_id else None):
        if cat is not None:
            texts += [cat.name_en, cat.name_ko, cat.slug.replace("-", " ")]
    tokens = set()
    for text in texts:
        for word in _words(text):
            tokens |= _tokens_of_word(word)
        tokens |= _korean_tokens(text)
    return " " + " ".join(sorted(tokens)) + " "


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: it matches a listing when every token of one of
    its groups is among the listing's tokens (Hangul: the analyzer's
    morphemes, syllable pairs; a translation), or one of its prefixes
    begins a token (Latin, digits)."""

    exact: tuple[tuple[str, ...], ...] = ()
    prefixes: tuple[str, ...] = ()
    # The word read as the vocabulary word one letter off it (drll: drill),
    # tried only when the words as typed find nothing: rent is not tent.
    correction: "QueryWord | None" = None


def _syllable_pairs(word: str) -> tuple[str, ...]:
    grams = [word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)]
    return tuple(dict.fromkeys(grams))


# Particles a query word may end with, longest first: 드릴을 is 드릴 to the
# syllable-pair fallback when the analyzer does not know the word.
PARTICLES = ("에서", "으로", "하고", "이랑", "까지", "부터", "처럼", "을", "를", "이", "가",
             "은", "는", "도", "만", "로", "에", "와", "과", "랑", "의")


def _without_particle(word: str) -> str:
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


def _translated(key: str, known: dict) -> list[tuple[str, ...]]:
    """The groups of tokens a word's translations are found by: an English
    one by its words, a Korean one by its syllable pairs (found inside
    compounds too: 빨간씽씽이). A Korean word of one syllable (책, 톱) is
    inside too many others to stand for a translation."""
    groups = []
    for other in known.get(key, ()):
        words = _words(other)
        if words and all(_is_hangul(word) for word in words):
            if sum(len(word) for word in words) < 2:
                continue
            group = tuple(dict.fromkeys(pair for word in words for pair in _syllable_pairs(word)))
        else:
            group = tuple(dict.fromkeys(_stem(word) for word in words))
        if group:
            groups.append(group)
    return groups


def _hangul_word(word: str, known: dict) -> QueryWord:
    morphemes = tuple(dict.fromkeys(_stem(m) for m in content_words(word)))
    groups = [morphemes] if morphemes else []
    groups.append(_syllable_pairs(word))
    groups += _translated(word, known)
    bare = _without_particle(word)
    if bare != word and len(bare) >= 2:  # 드릴을: 드릴; 요가 is not 요 with a particle
        groups.append(_syllable_pairs(bare))
        groups += _translated(bare, known)
    return QueryWord(exact=tuple(dict.fromkeys(groups)))


def _latin_word(word: str, known: dict) -> QueryWord:
    stem = _stem(word)
    key = next((k for k in (word, stem) if k in known), None)
    if key is not None:
        return QueryWord(exact=tuple(_translated(key, known)), prefixes=(stem,))
    near = vocabulary.one_letter_away(word, known) if word.isalpha() else None
    return QueryWord(prefixes=(stem,), correction=QueryWord(
        exact=tuple(_translated(near, known)), prefixes=(stem, near)) if near else None)


def _phrase(first: str, second: str, known: dict) -> QueryWord | None:
    """Two words that are one term of the vocabulary (sleeping bag,
    전동 드릴): found by both words, or by the term's translation."""
    key = vocabulary.term_key(first + second)
    if key not in known or _is_hangul(first) != _is_hangul(second):
        return None
    if _is_hangul(first):
        own = tuple(dict.fromkeys((*_syllable_pairs(first), *_syllable_pairs(second))))
    else:
        own = (_stem(first), _stem(second))
    return QueryWord(exact=tuple(dict.fromkeys([own, *_translated(key, known)])))


def _query_words(q: str) -> list[QueryWord]:
    """The query's words as they match, made once per search."""
    words = _words(q)
    known = vocabulary.translations() if words else {}
    matched, n = [], 0
    while n < len(words):
        phrase = _phrase(words[n], words[n + 1], known) if n + 1 < len(words) else None
        if phrase is not None:
            matched.append(phrase)
            n += 2
            continue
        word = words[n]
        matched.append(_hangul_word(word, known) if _is_hangul(word)
                       else _latin_word(word, known))
        n += 1
    return matched


def _tsquery_for(word: QueryWord) -> str:
    # Lexemes are quoted; user text never reaches SQL except as a parameter.
    def lexeme(token: str) -> str:
        return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

    return " | ".join(
        ["(" + " & ".join(lexeme(token) for token in group) + ")" for group in word.exact]
        + [lexeme(prefix) + ":*" for prefix in word.prefixes])


class _VectorMatches(Expression):
    """The stored tsvector of migration 0005 (no model field) matches a
    tsquery, given as a parameter; named through the listing table's alias
    in this query, so it holds inside a subquery too."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__()
        self.tsquery = tsquery

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.search_vector @@ to_tsquery('simple', %s)", [self.tsquery]


def _text_match(words: list[QueryWord]) -> Q:
    """Every query word must match, in the same way on both databases."""
    condition = Q()
    postgres = connection.vendor == "postgresql"
    for word in words:
        if postgres:
            matched = Q(_VectorMatches(_tsquery_for(word)))
        else:
            matched = Q(pk__in=[])
            for group in word.exact:
                every = Q()
                for token in group:
                    every &= Q(search_tokens__contains=f" {token} ")
                matched |= every
            for prefix in word.prefixes:
                matched |= Q(search_tokens__contains=f" {prefix}")
        for prefix in word.prefixes:
            if len(prefix) >= 3:
                matched |= Q(title_lower__contains=prefix)
        condition &= matched
    return condition


@dataclass(frozen=True)
class ListingQuery:
    q: str = ""
    kind: str = ""
    category: str = ""
    community: str = ""
    company: str = ""
    free: bool = False
    max_price: int | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    available_from: datetime | None = None
    available_to: datetime | None = None
    verified_company: bool = False
    designated: bool = False
    sort: str = ""


def _flag(value, field: str, errors: dict) -> bool:
    """A yes-or-no filter: true or false (1 or 0); left out or empty, false."""
    if value in (None, ""):
        return False
    if value.lower() in ("1", "true", "0", "false"):
        return value.lower() in ("1", "true")
    errors[field] = [_("Give true or false.")]
    return False


def _aware(value: str, field: str, errors: dict, naive: str) -> datetime | None:
    try:
        return datetime_from_input(value, field=field, naive=naive)
    except ValidationFailed as refused:
        errors.update(refused.extra["fields"])
        return None


def parse_listing_query(params, *, naive: str = LOCAL) -> ListingQuery:
    """The search filters from a query string, or ValidationFailed naming
    each bad one. Dates without an offset are Seoul time on pages; the API
    passes naive=REFUSE (marketplace/dates.py)."""
    get = params.get
    errors: dict[str, list[str]] = {}
    kind = get("kind") or ""
    if kind and kind not in KINDS:
        errors["kind"] = [_("Choose item, service or space.")]
    sort = get("sort") or ""
    if sort and sort not in SORTS:
        errors["sort"] = [_("Sort by relevance, newest, distance or price.")]
    for name in ("category", "community", "company"):
        if "\x00" in (get(name) or ""):  # PostgreSQL's text takes no NUL: no such slug
            errors[name] = [_("Not a known name: use the one in its address.")]
    max_price = None
    if get("max_price") not in (None, ""):
        try:
            max_price = int(get("max_price"))
            if max_price < 0:
                raise ValueError
        except ValueError:
            errors["max_price"] = [_("The highest price is a whole number of won, 0 or more.")]
    near = None
    if get("near"):
        try:
            lat, lng = (float(part) for part in get("near").split(","))
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
            near = (lat, lng)
        except ValueError:
            errors["near"] = [_("Give a point as latitude,longitude, e.g. 37.55,126.92.")]
    radius = None
    if get("radius_km") not in (None, ""):
        try:
            radius = float(get("radius_km"))
            if not 0 < radius <= 100:
                raise ValueError
        except ValueError:
            errors["radius_km"] = [_("The radius is between 0 and 100 km.")]
        if near is None and "near" not in errors:
            errors["radius_km"] = [_("A radius needs a point: give `near` too.")]
    if near is not None and radius is None:
        radius = 5.0
    if sort == "distance" and near is None and "near" not in errors:
        errors["sort"] = [_("Sorting by distance needs a point: give `near`.")]
    start = _aware(get("available_from") or "", "available_from", errors, naive)
    end = _aware(get("available_to") or "", "available_to", errors, naive)
    if (start is None) != (end is None) and not errors.get("available_from") and not errors.get(
            "available_to"):
        errors["available_to"] = [_("Give both the start and the end of the period.")]
    elif start and end and end <= start:
        errors["available_to"] = [_("The end must be after the start.")]
    free = _flag(get("free"), "free", errors)
    verified_company = _flag(get("verified_company"), "verified_company", errors)
    designated = _flag(get("designated"), "designated", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return ListingQuery(
        q=(get("q") or "").strip()[:200], kind=kind, category=get("category") or "",
        community=get("community") or "", company=get("company") or "",
        free=free, max_price=max_price, near=near, radius_km=radius,
        available_from=start, available_to=end,
        verified_company=verified_company, designated=designated, sort=sort)


def _distance_km(lat: float, lng: float):
    """Great-circle (haversine) distance in km from the listing's approximate
    point, with functions both databases have. Never from the exact point:
    three searches from chosen places would find the lender's door
    (issue 15); from the approximate point they find only what every card
    shows."""
    dlat = Radians(F("approx_lat") - Value(lat)) / 2
    dlng = Radians(F("approx_lng") - Value(lng)) / 2
    a = Power(Sin(dlat), 2) + Cos(Radians(Value(lat))) * Cos(Radians(F("approx_lat"))) * Power(
        Sin(dlng), 2)
    return ExpressionWrapper(2 * EARTH_RADIUS_KM * ASin(Sqrt(a)), output_field=FloatField())


def _shown_distance(distance):
    """The figure a person sees: to DISTANCE_STEP_KM, no finer than the
    approximate point it is measured from (up to ~0.7 km off)."""
    # Cast: PostgreSQL rounds numerics only, and would hand back a Decimal.
    return ExpressionWrapper(
        Cast(Round(distance / DISTANCE_STEP_KM), FloatField()) * DISTANCE_STEP_KM,
        output_field=FloatField())


def _category_ids(slug: str) -> list[int]:
    """The category and its children, as ids: the planner then uses the
    listings' (category, status) index."""
    return list(Category.objects.filter(Q(slug=slug) | Q(parent__slug=slug)).values_list(
        "pk", flat=True))


# Which listings are free when is bookings' knowledge, and bookings stand
# above listings: bookings hands search its filter at start-up
# (bookings/apps.py), so listings never imports it.
FreeBetween = Callable[[QuerySet[Listing], datetime, datetime], QuerySet[Listing]]
_free_between: FreeBetween | None = None


def provide_availability(free_between: FreeBetween) -> None:
    global _free_between
    _free_between = free_between


def listing_search(*, viewer: Viewer, query: ListingQuery) -> QuerySet[Listing]:
    """The active listings the viewer may see that match every filter,
    sorted, with what a card shows loaded in a fixed number of queries."""
    words = _query_words(query.q) if query.q else []
    listings = _matching(visible_listings(viewer).filter(status=Listing.Status.ACTIVE),
                         viewer=viewer, query=query, words=words)
    return _sorted(listings, query, words)


def _matching(listings: QuerySet[Listing], *, viewer: Viewer, query: ListingQuery,
              words: list[QueryWord]) -> QuerySet[Listing]:
    """`listings` narrowed to those that match the query's words and filters."""
    if words:
        typed = listings.annotate(title_lower=Lower("title"))
        listings = typed.filter(_text_match(words))
        if any(word.correction for word in words) and not listings.exists():
            listings = typed.filter(_text_match(  # drll: drill
                [word.correction or word for word in words]))
    if query.kind:
        listings = listings.filter(kind=query.kind)
    if query.category:
        listings = listings.filter(category_id__in=_category_ids(query.category))
    if query.community:
        if query.community in _visible_community_slugs(viewer):
            listings = listings.filter(Exists(Listing.communities.through.objects.filter(
                listing_id=OuterRef("pk"), community__slug=query.community)))
        else:
            listings = listings.none()  # a private community the viewer is not in
    if query.company:
        listings = listings.filter(company__slug=query.company)
    if query.verified_company:
        listings = listings.filter(company__verified_at__isnull=False)
    # Each card says whether its company is designated today (the badge).
    listings = with_company_designated(listings)
    if query.designated:
        listings = listings.filter(company_designated=True)
    if query.free:
        listings = listings.filter(pricing=Listing.Pricing.FREE)
    if query.max_price is not None:
        listings = listings.filter(Q(pricing=Listing.Pricing.FREE) | Q(price__lte=query.max_price))
    if query.near is not None:
        lat, lng = query.near
        # A box around the point first (indexed), then the distance; both
        # on the approximate point only.
        dlat = query.radius_km / 111.0
        dlng = query.radius_km / (111.0 * max(0.01, abs(_cos_deg(lat))))
        listings = (listings.filter(approx_lat__range=(lat - dlat, lat + dlat),
                                    approx_lng__range=(lng - dlng, lng + dlng))
                    .alias(distance=_distance_km(lat, lng))
                    .filter(distance__lte=query.radius_km)
                    .annotate(distance_km=_shown_distance(F("distance"))))
    if query.available_from is not None:
        if _free_between is None:
            raise ImproperlyConfigured("Search by dates needs the bookings app installed.")
        listings = _free_between(listings, query.available_from, query.available_to)
    return listings


def _sorted(listings: QuerySet[Listing], query: ListingQuery,
            words: list[QueryWord]) -> QuerySet[Listing]:
    sort = query.sort or ("relevance" if query.q else "newest")
    if sort == "relevance" and words:
        title_hits = [When(title_lower__contains=(w.prefixes or w.exact[0])[0], then=Value(1))
                      for w in words]
        listings = listings.annotate(
            title_match=Case(*title_hits, default=Value(0), output_field=IntegerField())
        ).order_by("-title_match", "-created_at", "-id")
    elif sort == "distance":
        listings = listings.order_by("distance", "-id")
    elif sort == "price":
        listings = listings.order_by("price", "-created_at", "-id")
    else:
        listings = listings.order_by("-created_at", "-id")
    # The tokens are for matching, never shown: not loaded with the results.
    return (listings.select_related("category", "company", "owner__profile")
            .prefetch_related("photos").defer("search_tokens"))


# --- when nothing is found ---------------------------------------------------

HINT_COMMUNITIES = 5


def search_hints(*, viewer: Viewer, query: ListingQuery) -> dict:
    """Why a search found nothing, and a way on: how many listings match in
    public communities the viewer could ask to join (counts only: nothing of
    a private or invite-only community, nor of one they are banned from or
    waiting for), how many match once the dates are left out (booked then:
    their waitlists), and how many with the words alone."""
    hints: dict = {"in_communities": [], "booked_then": 0, "without_filters": 0}
    shared_only = Listing.objects.filter(status=Listing.Status.ACTIVE,
                                         visibility=Listing.Visibility.COMMUNITIES)
    words = _query_words(query.q) if query.q else []
    matching = _matching(shared_only, viewer=viewer, query=query, words=words).values("pk")
    # Communities one can ask to join: public, open or by approval, and
    # where the viewer has no membership yet (a member sees its listings;
    # someone banned or waiting cannot join again).
    known_to_viewer = (Membership.objects.filter(user_id=viewer.user_id).values("community_id")
                       if viewer.user_id else Membership.objects.none().values("community_id"))
    hints["in_communities"] = [
        {"slug": row["community__slug"], "name": row["community__name"], "count": row["n"]}
        for row in Listing.communities.through.objects.filter(
            listing_id__in=matching, community__visibility=Community.Visibility.PUBLIC,
            community__join_policy__in=[Community.JoinPolicy.OPEN,
                                        Community.JoinPolicy.APPROVAL])
        .exclude(community_id__in=known_to_viewer)
        .values("community__slug", "community__name")
        .annotate(n=Count("listing_id", distinct=True))
        .order_by("-n", "community__name")[:HINT_COMMUNITIES]]
    if query.available_from is not None:
        undated = replace(query, available_from=None, available_to=None)
        hints["booked_then"] = listing_search(viewer=viewer, query=undated).count()
    words_only = ListingQuery(q=query.q)
    if query.q and words_only != replace(query, sort=""):
        hints["without_filters"] = listing_search(viewer=viewer, query=words_only).count()
    return hints


def _cos_deg(degrees: float) -> float:
    import math

    return math.cos(math.radians(degrees))


def _visible_community_slugs(viewer: Viewer) -> set[str]:
    from community_rules.models import Community

    return set(Community.objects.filter(
        Q(visibility=Community.Visibility.PUBLIC) | Q(pk__in=viewer.community_ids)
    ).values_list("slug", flat=True))
