"""Complaints hand the complaint rate to the store score. New installations get it in formula
version 1 (scoring.rules.DEFAULT_FORMULA); an installation that already saved formula versions
without it gets the next version with `complaint_rate` in the service dimension (earlier scores
keep their versions)."""

from django.db import migrations
from django.utils import timezone


def add_complaint_rate(apps, schema_editor):
    Formula = apps.get_model("scoring", "Formula")
    newest = Formula.objects.order_by("-version").first()
    if newest is None:
        return
    spec = newest.spec
    service = spec.get("dimensions", {}).get("service")
    if service is None or "complaint_rate" in service.get("metrics", {}):
        return
    service["metrics"] = {**service["metrics"], "complaint_rate": 1.0}
    Formula.objects.create(
        version=newest.version + 1,
        spec=spec,
        note="投诉：投诉率（商家责任）计入服务体验",
        created_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("scoring", "0001_initial"),
        ("service", "0002_reply_rate_in_the_score"),
    ]
    operations = [migrations.RunPython(add_complaint_rate, migrations.RunPython.noop)]
