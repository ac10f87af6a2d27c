"""Reads for contacts and Moments."""

from django.db.models import Exists, OuterRef, QuerySet

from .models import Contact


def has_contact(owner_id: int, other_id: int) -> bool:
    """Whether `owner` has `other` in their contacts (the directed edge)."""
    return Contact.objects.filter(owner_id=owner_id, other_id=other_id).exists()


def is_mutual(a_id: int, b_id: int) -> bool:
    """Whether each has the other (both edges). Nobody is mutual with themselves."""
    if a_id == b_id:
        return False
    return Contact.objects.filter(owner_id__in=(a_id, b_id), other_id__in=(a_id, b_id)).count() == 2


def mutual_ids(user_id: int) -> QuerySet:
    """The ids of the user's mutual contacts, as a subquery (ids of those the user has who also
    have the user)."""
    back = Contact.objects.filter(owner_id=OuterRef("other_id"), other_id=user_id)
    return Contact.objects.filter(owner_id=user_id).filter(Exists(back)).values("other_id")
