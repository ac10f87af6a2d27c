"""The search page: the stores tab and the products tab, with filters and paging."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from xiaodian.core.errors import DomainError
from xiaodian.stores.selectors import CategoryTree

from . import selectors
from .forms import SearchForm
from .rules import Tab

PAGE_SIZE = 20


@require_GET
def search(request):
    form = SearchForm(request.GET, tree=CategoryTree())
    args = form.query()
    if args["tab"] == Tab.STORES:
        args["min_price_fen"] = args["max_price_fen"] = None
    results, error = None, ""
    if args["q"].strip():
        try:
            results = selectors.search(**args, limit=PAGE_SIZE)
        except DomainError as exc:  # e.g. a category that is gone
            error = exc.message
    base = {k: v for k, v in request.GET.items() if k not in ("offset", "tab")}
    context = {
        "form": form,
        "args": args,
        "results": results,
        "error": error,
        "tabs": [(value, label, "?" + urlencode({**base, "tab": value})) for value, label in Tab.choices],
        "next_url": "?" + urlencode({**request.GET.dict(), "offset": args["offset"] + PAGE_SIZE})
        if results and results.has_more
        else "",
        "previous_url": "?" + urlencode({**request.GET.dict(), "offset": max(args["offset"] - PAGE_SIZE, 0)})
        if args["offset"]
        else "",
    }
    return render(request, "search/search.html", context)
