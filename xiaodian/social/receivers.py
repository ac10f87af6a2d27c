"""What social does when accounts change: a user's new nickname is copied onto the edges that
point at them (`Contact.other_name`, what contact search reads)."""

from django.db.models.signals import post_save

from xiaodian.accounts.models import User

from .models import Contact


def refresh_other_name(sender, instance: User, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if fields is not None and not {"display_name", "username"} & set(fields):
        return
    Contact.objects.filter(other_id=instance.pk).exclude(other_name=str(instance)).update(
        other_name=str(instance)
    )


def connect() -> None:
    post_save.connect(refresh_other_name, sender=User, dispatch_uid="social.refresh_other_name")
