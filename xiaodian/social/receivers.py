"""What social does when accounts change: a user's new name is copied into the search key of the
edges that point at them (`Contact.search_key`, what contact search reads)."""

from django.db.models.signals import post_save

from xiaodian.accounts.models import User

from .models import Contact, search_key


def refresh_search_keys(sender, instance: User, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if kwargs.get("created") or (fields is not None and not {"display_name", "username"} & set(fields)):
        return
    name = str(instance)
    edges = [
        edge
        for edge in Contact.objects.filter(other_id=instance.pk).only("pk", "remark", "search_key")
        if edge.search_key != search_key(edge.remark, name)
    ]
    for edge in edges:
        edge.search_key = search_key(edge.remark, name)
    Contact.objects.bulk_update(edges, ["search_key"], batch_size=1000)


def connect() -> None:
    post_save.connect(refresh_search_keys, sender=User, dispatch_uid="social.refresh_search_keys")
