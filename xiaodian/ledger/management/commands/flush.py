"""Django's `flush`, allowed past the ledger's append-only triggers on SQLite: it empties every
table at once (test databases between transactional tests do), which is no correction of the
ledger but its end (see ledger/guard.py)."""

from django.core.management.commands.flush import Command as FlushCommand

from xiaodian.ledger.guard import wiping


class Command(FlushCommand):
    def handle(self, **options):
        with wiping():
            return super().handle(**options)
