"""The search page: the stores tab and the products tab, with filters, paging ("load more") and
an empty state that suggests what to try."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from xiaodian.core.errors import DomainError
from xiaodian.stores.selectors import CategoryTree

from . import selectors, text
from .forms import SearchForm
from .rules import Tab

PAGE_SIZE = 20
SUGGESTED_CATEGORIES = 8


def _url(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@require_GET
def search(request):
    tree = CategoryTree()
    form = SearchForm(request.GET, tree=tree)
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
    other_tab = Tab.PRODUCTS if args["tab"] == Tab.STORES else Tab.STORES
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
        # the empty state's suggestions: the other tab, the query's words one by one, categories
        "other_tab_url": _url(q=args["q"], tab=other_tab) if results is not None else "",
        "other_tab_label": Tab(other_tab).label,
        "word_urls": [
            (word.text, _url(q=word.text, tab=args["tab"]))
            for word in (text.query(args["q"]).words if results is not None and not results.items else ())
            if len(word.text) >= 2
        ][:4],
        "category_urls": [
            (c.name, _url(q=c.name, tab=args["tab"]))
            for _depth, c in tree.flat()
            if c.pk not in tree.children  # leaves: what stores and products are filed under
        ][:SUGGESTED_CATEGORIES]
        if not results or not results.items
        else [],
    }
    return render(request, "search/search.html", context)
