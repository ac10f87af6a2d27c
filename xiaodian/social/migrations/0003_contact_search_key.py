from django.db import migrations, models


def fill_search_keys(apps, schema_editor):
    """Each edge's remark and its other's shown name (nickname, else username), lower-cased."""
    Contact = apps.get_model("social", "Contact")
    edges = list(Contact.objects.select_related("other"))
    for edge in edges:
        edge.search_key = f"{edge.remark}\n{edge.other.display_name or edge.other.username}".lower()
    Contact.objects.bulk_update(edges, ["search_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("social", "0002_contact_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="search_key",
            field=models.CharField(blank=True, max_length=183),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]
