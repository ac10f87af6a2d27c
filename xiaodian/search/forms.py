from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.stores.selectors import CategoryTree

from . import rules
from .rules import Tab


class SearchForm(forms.Form):
    """The search page's query string. Anything malformed is ignored rather than refused: a page
    shows what it can."""

    q = forms.CharField(label=_("搜索"), max_length=rules.QUERY_MAX, required=False)
    tab = forms.ChoiceField(choices=Tab.choices, required=False)
    category = forms.TypedChoiceField(label=_("类目"), coerce=int, required=False, empty_value=None)
    min_price = forms.DecimalField(
        label=_("最低价（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    max_price = forms.DecimalField(
        label=_("最高价（元）"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    offset = forms.IntegerField(min_value=0, max_value=rules.CANDIDATES - 1, required=False)

    def __init__(self, *args, tree: CategoryTree, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类目"))] + [
            (c.pk, "\u3000" * depth + c.name) for depth, c in tree.flat()
        ]

    def query(self) -> dict:
        """The selector's arguments from what was valid."""
        data = self.cleaned_data if self.is_valid() else {}
        fen = {
            name: int(data[name] * 100) for name in ("min_price", "max_price") if data.get(name) is not None
        }
        return {
            "q": data.get("q") or "",
            "tab": data.get("tab") or Tab.STORES,
            "category": data.get("category"),
            "min_price_fen": fen.get("min_price"),
            "max_price_fen": fen.get("max_price"),
            "offset": data.get("offset") or 0,
        }
