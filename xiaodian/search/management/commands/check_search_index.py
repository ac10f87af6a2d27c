"""`xiaodian check_search_index`: compare the search index with the catalog, repair what drifted
(unless --dry-run), and say how much that was. The same check runs nightly (`search.tasks`)."""

from django.core.management.base import BaseCommand

from xiaodian.search import services


class Command(BaseCommand):
    help = "Compare the search index with the stores and products, and repair what differs."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report what differs.")

    def handle(self, *args, **options):
        found = services.check_index(repair=not options["dry_run"])
        self.stdout.write(" ".join(f"{key}={value}" for key, value in found.items()))
