"""The demo's business contacts (`xiaodian demo`, called from web/demo.py): buyer2 consents to the
legacy video store 小满的果园, whose owner (its legacy customer service) adds them and writes first;
buyer2 answers. The store's customer service is not upgraded, so /stores/<id>/service/upgrade/
shows what the upgrade would change."""

from xiaodian.chats import services as chats
from xiaodian.stores.models import Store

from . import services


def seed(stores: dict[str, Store], users: dict, say) -> None:
    store, owner, buyer = stores["小满的果园"], users["merchant"], users["buyer2"]
    services.give_consent(buyer=buyer, store_id=store.pk)
    contact, _created = services.invite_contact(staff=owner, store=store, buyer_id=buyer.pk)
    chats.send_message(
        user=owner,
        conversation_id=contact.conversation_id,
        text="您好，果园的新一季橙子快熟了，到时第一时间通知您。",
    )
    chats.send_message(user=buyer, conversation_id=contact.conversation_id, text="好的，谢谢！")
    say(f"  business contact: {owner} of {store.name} holds {buyer} (legacy customer service)")
