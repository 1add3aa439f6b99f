"""The figures as tables: one definition of each table's columns and their
headers in the reader's language, which the JSON, the CSV downloads and
the /stats/ page all read, so the three never disagree."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import DesignationField
from figures.districts import district_label
from figures.selectors import MIN_PEOPLE
from listings.models import Listing

LICENCES = {
    "KOGL-1": {
        "name": gettext_lazy("Korea Open Government Licence, type 1 (attribution)"),
        "url": "https://www.kogl.or.kr/info/licenseType1.do",
    },
    "CC-BY-4.0": {
        "name": gettext_lazy("Creative Commons Attribution 4.0 International"),
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
}

TOTALS = {
    "share_companies_verified": gettext_lazy("Verified share companies"),
    "share_companies_designated": gettext_lazy("Designated share companies"),
    "members": gettext_lazy("Members"),
    "active_members": gettext_lazy("Active members (last 90 days)"),
    "communities": gettext_lazy("Communities"),
    "listings": gettext_lazy("Listings up for sharing"),
    "bookings_completed": gettext_lazy("Loans completed"),
    "items_reused": gettext_lazy("Things lent (distinct listings)"),
    "days_shared": gettext_lazy("Days of use shared"),
    "money_saved": gettext_lazy("Kept in residents' pockets (won)"),
}

_LOANS = [
    ("people", gettext_lazy("People")),
    ("bookings_completed", gettext_lazy("Loans completed")),
    ("items_reused", gettext_lazy("Things lent")),
    ("days_shared", gettext_lazy("Days of use")),
    ("money_saved", gettext_lazy("Kept in pockets (won)")),
]


@dataclass(frozen=True)
class Table:
    name: str
    title: object
    columns: list  # (key, header)


TABLES = {table.name: table for table in [
    Table("totals", gettext_lazy("Headline figures"), [
        ("figure", gettext_lazy("Figure")), ("label", gettext_lazy("Name")),
        ("value", gettext_lazy("Value"))]),
    Table("companies_by_field", gettext_lazy("Designated share companies by field"), [
        ("field", gettext_lazy("Field code")), ("label", gettext_lazy("Field")),
        ("companies", gettext_lazy("Companies"))]),
    Table("listings_by_kind", gettext_lazy("Listings by kind"), [
        ("kind", gettext_lazy("Kind code")), ("label", gettext_lazy("Kind")),
        ("listings", gettext_lazy("Listings"))]),
    Table("listings_by_category", gettext_lazy("Listings by category"), [
        ("category", gettext_lazy("Category code")), ("label", gettext_lazy("Category")),
        ("listings", gettext_lazy("Listings"))]),
    Table("by_month", gettext_lazy("Loans by month"), [
        ("month", gettext_lazy("Month")), *_LOANS]),
    Table("by_district", gettext_lazy("Loans by district"), [
        ("district", gettext_lazy("District code")), ("label", gettext_lazy("District")),
        ("listings", gettext_lazy("Listings")),
        *_LOANS]),
    Table("communities", gettext_lazy("Public communities"), [
        ("slug", gettext_lazy("Community code")), ("name", gettext_lazy("Community")),
        ("district", gettext_lazy("District")), ("members", gettext_lazy("Members"))]),
]}


def licence() -> dict:
    code = settings.STATS_LICENCE
    return {"code": code, "name": str(LICENCES[code]["name"]), "url": LICENCES[code]["url"]}


def published(figures: dict) -> dict:
    """The figures as the API publishes them, labelled in the active
    language: every table a list of rows keyed by its column keys."""
    language = "ko" if translation.get_language() == "ko" else "en"
    names = figures["category_names"]
    return {
        "computed_at": timezone.localtime(figures["computed_at"]).isoformat(timespec="seconds"),
        "licence": licence(),
        "currency": "KRW",
        "min_people": MIN_PEOPLE,
        "totals": dict(figures["totals"]),
        "companies_by_field": [
            {"field": value, "label": str(label),
             "companies": figures["companies_by_field"].get(value, 0)}
            for value, label in DesignationField.choices],
        "listings_by_kind": [
            {"kind": value, "label": str(label),
             "listings": figures["listings_by_kind"].get(value, 0)}
            for value, label in Listing.Kind.choices],
        "listings_by_category": sorted(
            ({"category": slug, "label": names[slug][language], "listings": count}
             for slug, count in figures["listings_by_category"].items()),
            key=lambda row: (-row["listings"], row["category"])),
        "by_month": [dict(row) for row in figures["by_month"]],
        "by_district": [{**row, "label": district_label(row["district"], language)}
                        for row in figures["by_district"]],
        "communities": [{**row, "district": district_label(row["district"], language)}
                        for row in figures["communities"]],
    }


def rows(table: Table, data: dict) -> list[dict]:
    """A published table's rows; the totals become rows of their own."""
    if table.name == "totals":
        return [{"figure": key, "label": str(label), "value": data["totals"][key]}
                for key, label in TOTALS.items()]
    return data[table.name]


def notes(data: dict) -> list[str]:
    """What a reader of a download needs to know, in their language."""
    return [
        _("Source: Nanum, the sharing city's figures, counted from its records."),
        _("Licence: %(name)s, %(url)s") % data["licence"],
        _("Computed at: %(time)s") % {"time": data["computed_at"]},
        _("An empty cell: fewer than %(n)s people are behind it, so it is not shown.")
        % {"n": MIN_PEOPLE},
    ]
