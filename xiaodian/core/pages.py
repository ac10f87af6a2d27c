"""Small helpers of the pages (views.py): ids out of range and refused reads answer 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import DomainError
from .pagination import MAX_ID
from .text import is_digits


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


def http_error(exc: DomainError) -> Exception:
    """A refusal as a page answers it: not found is 404, anything else 403 (with its message)."""
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def posted_id(request, name: str) -> int:
    """A posted id (ASCII digits, within the database's integers), or 404."""
    value = request.POST.get(name, "")
    if not is_digits(value) or not 1 <= int(value) <= MAX_ID:
        raise Http404
    return int(value)
