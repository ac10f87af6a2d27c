from django.db import models
from django.db.models import Q


class BenchmarkDatabase(models.Model):
    """The mark of a benchmark database: benchmarks may seed it at scale, clear their earlier seeds
    and (score, on PostgreSQL) drop and rebuild indexes and constraints in it. Written only by
    `xiaodian bench mark-db`, which marks only a database that holds no data (guard.py). One row
    at most; no row, or no table, means: not a benchmark database."""

    marked_at = models.DateTimeField()
    marked_by = models.CharField(max_length=150, blank=True, help_text="Who ran `xiaodian bench mark-db`")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="one_benchmark_database_mark")]

    def __str__(self) -> str:
        return f"benchmark database, marked {self.marked_at:%Y-%m-%d %H:%M}"
