"""Account events; higher apps subscribe (stores open when their subject is verified)."""

from django.dispatch import Signal

subject_verified = Signal()  # sender=Subject, subject=Subject
