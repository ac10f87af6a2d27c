"""Customer service hands its reply metric to the store score. New installations get it in formula
version 1 (scoring.rules.DEFAULT_FORMULA); an installation that already saved formula versions
without it gets the next version with `reply_3min_rate` in the service dimension (earlier scores
keep their versions)."""

from django.db import migrations
from django.utils import timezone


def add_reply_rate(apps, schema_editor):
    Formula = apps.get_model("scoring", "Formula")
    newest = Formula.objects.order_by("-version").first()
    if newest is None:
        return
    spec = newest.spec
    service = spec.get("dimensions", {}).get("service")
    if service is None or "reply_3min_rate" in service.get("metrics", {}):
        return
    service["metrics"] = {"reply_3min_rate": 1.0, **service["metrics"]}
    Formula.objects.create(
        version=newest.version + 1,
        spec=spec,
        note="客服：3 分钟人工回复率计入服务体验",
        created_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial"), ("scoring", "0001_initial")]
    operations = [migrations.RunPython(add_reply_rate, migrations.RunPython.noop)]
