from django import forms
from django.utils.translation import gettext_lazy as _

from xiaodian.core.errors import DomainError
from xiaodian.core.forms import DomainErrorForm

from . import selectors


class RangeForm(DomainErrorForm):
    """The page's `?from=&to=` (the API's names; `from` is a keyword, hence the fields are added
    here). A bad range is shown next to its field and the page falls back to the default range."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("开始日期"), required=False, widget=date_input)
        self.fields["to"] = forms.DateField(label=_("结束日期"), required=False, widget=date_input)

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                data["range"] = selectors.date_range(data.get("from"), data.get("to"))
            except DomainError as exc:
                self.add_domain_error(exc)
        return data

    def date_range(self):
        """The range asked for, or the default one when it is not valid."""
        if self.is_valid():
            return self.cleaned_data["range"]
        return selectors.date_range()
