"""Synthetic data at any scale: users, subjects and stores in batches, with a progress bar."""

import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from xiaodian.accounts import licences
from xiaodian.accounts.models import Subject, User
from xiaodian.accounts.rules import Role, SubjectKind, Verification
from xiaodian.core import clock
from xiaodian.stores import naming
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category, Store, StoreStaff
from xiaodian.stores.rules import StoreKind, StoreState

BATCH = 2_000
STORES_PER_SUBJECT = 30
SEED_PASSWORD = "seed12345"


def _batches(total: int, size: int = BATCH):
    for start in range(0, total, size):
        yield start, min(size, total - start)


class Command(BaseCommand):
    help = "Seed synthetic users, subjects and stores (idempotent per prefix: reruns add after the last)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=0, help="buyer accounts")
        parser.add_argument(
            "--stores", dest="store_count", type=int, default=0, help="open stores, 30 per enterprise subject"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed for categories")

    def handle(self, *args, users, store_count, seed, **options):
        if users < 0 or store_count < 0:
            raise CommandError("counts must not be negative")
        rng = random.Random(seed)
        stores.install_default_categories()
        leaves = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as progress:
            if users:
                self._seed_users(progress, users)
            if store_count:
                self._seed_stores(progress, store_count, rng, leaves)
        self.stdout.write(f"seeded {users} users and {store_count} stores")

    def _seed_users(self, progress: Progress, total: int) -> None:
        task = progress.add_task("users", total=total)
        first = User.objects.filter(username__startswith="seed_user_").count()
        password = make_password(SEED_PASSWORD)
        for start, size in _batches(total):
            with transaction.atomic():
                User.objects.bulk_create(
                    User(
                        username=f"seed_user_{first + start + i}",
                        password=password,
                        display_name=f"用户{first + start + i}",
                    )
                    for i in range(size)
                )
            progress.advance(task, size)

    def _seed_stores(self, progress: Progress, total: int, rng: random.Random, leaves: list[int]) -> None:
        task = progress.add_task("stores", total=total)
        password = make_password(SEED_PASSWORD)
        first = Store.objects.filter(name__startswith="种子店铺").count()
        now = clock.now()
        for start, size in _batches(total, BATCH - BATCH % STORES_PER_SUBJECT):
            serial = first + start
            owners_needed = -(-size // STORES_PER_SUBJECT)
            with transaction.atomic():
                owners = User.objects.bulk_create(
                    User(username=f"seed_merchant_{serial + k}", password=password)
                    for k in range(owners_needed)
                )
                subjects = Subject.objects.bulk_create(
                    Subject(
                        owner=owner,
                        kind=SubjectKind.ENTERPRISE,
                        name=f"种子商贸{serial + k}有限公司",
                        licence_number=licences.make_uscc(500_000_000 + serial + k),
                        verification=Verification.VERIFIED,
                        verified_at=now,
                    )
                    for k, owner in enumerate(owners)
                )
                new_stores = Store.objects.bulk_create(
                    Store(
                        subject=subjects[i // STORES_PER_SUBJECT],
                        name=f"种子店铺{serial + i}",
                        name_key=naming.name_key(f"种子店铺{serial + i}"),
                        kind=StoreKind.ORDINARY,
                        state=StoreState.OPEN,
                        opened_at=now,
                        main_category_id=rng.choice(leaves),
                    )
                    for i in range(size)
                )
                StoreStaff.objects.bulk_create(
                    StoreStaff(store=store, user=owners[i // STORES_PER_SUBJECT], role=Role.OWNER)
                    for i, store in enumerate(new_stores)
                )
            progress.advance(task, size)
