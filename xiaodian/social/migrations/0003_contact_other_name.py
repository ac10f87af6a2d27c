from django.db import migrations, models
from django.db.models import Case, F, OuterRef, Subquery, When


def fill_other_names(apps, schema_editor):
    """Copy each edge's other's shown name (nickname, else username) onto it."""
    Contact = apps.get_model("social", "Contact")
    User = apps.get_model("accounts", "User")
    shown = User.objects.filter(pk=OuterRef("other_id")).annotate(
        shown=Case(When(display_name="", then=F("username")), default=F("display_name"))
    )
    Contact.objects.update(other_name=Subquery(shown.values("shown")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("social", "0002_contact_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="other_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(fill_other_names, migrations.RunPython.noop),
    ]
