"""Pagination for the filterable list pages (audit log, outbox)."""

from django.core.paginator import Page, Paginator

PER_PAGE = 50


def paginate(request, items, per_page: int = PER_PAGE) -> tuple[Page, str]:
    """The requested page of `items`, and the request's other query parameters (the filters) as a
    string for the page links in templates/_pagination.html. A bad page number gives a valid page."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
