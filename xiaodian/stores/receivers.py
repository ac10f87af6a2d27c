"""What stores do when lower apps announce events."""

from django.dispatch import receiver

from xiaodian.accounts.signals import subject_verified

from . import services


@receiver(subject_verified)
def open_stores_when_subject_verified(sender, subject, **kwargs):
    services.open_stores_of(subject)
