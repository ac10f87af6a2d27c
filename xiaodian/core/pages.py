"""Small helpers of the pages (views.py): ids out of range and refused reads answer 404."""

from django.http import Http404

from .errors import DomainError
from .pagination import MAX_ID


def require_ids(*ids: int) -> None:
    """A URL's ids must fit the database's integers; anything else is not found."""
    if not all(1 <= i <= MAX_ID for i in ids):
        raise Http404


def found_or_404(read, *args):
    """`read(*args)`, with its refusal (a DomainError) answered as 404."""
    try:
        return read(*args)
    except DomainError as exc:
        raise Http404 from exc
