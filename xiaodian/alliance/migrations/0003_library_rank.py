"""The library's rank kept on the plan (`sales_30d`, `library_rank`; alliance.services.rerank),
computed here for the plans that exist."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q, Sum
from django.utils import timezone

SOLD = (12, 20, 21, 30, 100)  # paid and not cancelled (alliance.selectors.SOLD_STATUSES)


def rank_existing(apps, schema_editor):
    Plan = apps.get_model("alliance", "Plan")
    OrderLine = apps.get_model("orders", "OrderLine")
    CurrentScore = apps.get_model("scoring", "CurrentScore")
    now = timezone.now()
    plans = Plan.objects.filter(Q(stopped_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now)))
    sold = dict(
        OrderLine.objects.filter(order__status__in=SOLD, order__paid_at__gte=now - timedelta(days=30))
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    scores = dict(CurrentScore.objects.values_list("store_id", "value"))
    for plan in plans.iterator():
        sales = sold.get(plan.product_id, 0)
        score = scores.get(plan.store_id)
        plan.sales_30d = sales
        plan.library_rank = plan.commission_ratio_ppm * float(4 if score is None else score) * (sales + 1.0)
        plan.save(update_fields=["sales_30d", "library_rank"])


class Migration(migrations.Migration):

    dependencies = [
        ('alliance', '0002_showcase_video_live_touchpoints'),
        ('catalog', '0002_product_spec_names_and_ban'),
        ('stores', '0002_links_and_homepage'),
        ('orders', '0005_order_note_and_carrier_code'),
        ('scoring', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='plan',
            name='library_rank',
            field=models.FloatField(default=0.0),
        ),
        migrations.AddField(
            model_name='plan',
            name='sales_30d',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='plan',
            index=models.Index(condition=models.Q(('stopped_at__isnull', True)), fields=['-library_rank', '-id'], name='plan_library_rank'),
        ),
        migrations.RunPython(rank_existing, migrations.RunPython.noop),
    ]
