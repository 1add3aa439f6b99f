"""The browse page: every search filter, results as cards."""

from django.shortcuts import render
from django.urls import path

from community_rules.selectors import community_list
from listings.models import Category, Listing
from listings.search import listing_search, parse_listing_query
from listings.selectors import Viewer
from marketplace.api import CappedPaginator
from marketplace.errors import ValidationFailed

PAGE_SIZE = 24


def browse(request):
    viewer = Viewer.of(request.user)
    errors = {}
    page = None
    try:
        query = parse_listing_query(request.GET)
    except ValidationFailed as error:
        errors = error.extra["fields"]
    else:
        paginator = CappedPaginator(listing_search(viewer=viewer, query=query), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "page": page, "errors": errors, "params": request.GET, "kept": kept.urlencode(),
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
