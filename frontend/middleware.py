from django.shortcuts import render

from marketplace.errors import DomainError, NotFound


class DomainErrorPages:
    """A domain error that escapes a page view becomes a page that says why,
    with its status: 404 for what the person may not see, 403, 409, 422...
    (The API turns the same errors into JSON in marketplace/api.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            return render(request, "404.html", status=404)
        return render(request, "refused.html", {"error": exception}, status=exception.status)
