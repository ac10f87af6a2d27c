"""The base of the pages' forms: no label suffix, and a service's refusal shown next to the field
it names (`field` "items.0.quantity" → the form's "items")."""

from django import forms

from .errors import DomainError


class DomainErrorForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        field = (exc.field or "").split(".")[0]
        self.add_error(field if field in self.fields else None, exc.message)
