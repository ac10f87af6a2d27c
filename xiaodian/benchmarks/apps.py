from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """The benchmarks (`xiaodian bench`). An app only for the mark a benchmark database carries
    (models.BenchmarkDatabase, guard.py)."""

    name = "xiaodian.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
