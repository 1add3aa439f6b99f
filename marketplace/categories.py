"""Categories as the rules speak of them: slugs and their names.

Categories are listings' table, and listings stand above the community
rules; a rule such as "only tools here" still needs to check the slugs a
moderator types and to name them. Listings tell the kernel how to look them
up at start-up (listings/apps.py), so community_rules asks here and never
imports listings.
"""

from collections.abc import Callable, Iterable

# slugs -> {slug: name in the active language}, for the slugs that exist
NamesOf = Callable[[Iterable[str]], dict[str, str]]
_names_of: NamesOf | None = None


def provide(names_of: NamesOf) -> None:
    global _names_of
    _names_of = names_of


def category_names(slugs: Iterable[str]) -> dict[str, str]:
    """The known categories among `slugs`, with their names."""
    if _names_of is None:
        raise RuntimeError("No category directory: is the listings app installed?")
    return _names_of(list(slugs))
