"""The browse page: every search filter, results as cards."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import path

from community_rules.selectors import community_list
from listings.models import Category, Listing
from listings.search import listing_search, parse_listing_query, search_hints
from listings.selectors import Viewer
from marketplace.api import CappedPaginator
from marketplace.errors import ValidationFailed

PAGE_SIZE = 24


def browse(request):
    viewer = Viewer.of(request.user)
    errors = {}
    page = hints = None
    try:
        query = parse_listing_query(request.GET)
    except ValidationFailed as error:
        errors = error.extra["fields"]
    else:
        paginator = CappedPaginator(listing_search(viewer=viewer, query=query), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        if paginator.count == 0:
            hints = search_hints(viewer=viewer, query=query)
            hints["without_filters_url"] = "?" + urlencode({"q": query.q})
            undated = request.GET.copy()
            for name in ("available_from", "available_to", "page"):
                undated.pop(name, None)
            hints["undated_url"] = "?" + undated.urlencode()
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "page": page, "hints": hints, "errors": errors, "params": request.GET, "kept": kept.urlencode(),
        "categories": Category.objects.filter(parent__isnull=True).prefetch_related(
            "children"),
        "communities": community_list(viewer=request.user).order_by("name"),
        "kinds": Listing.Kind.choices,
    }
    template = "browse/_results.html" if request.htmx else "browse/browse.html"
    return render(request, template, context)


urlpatterns = [
    path("listings/", browse, name="listing-browse"),
]
