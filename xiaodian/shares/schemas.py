from datetime import datetime

from ninja import Schema
from pydantic import Field


class ShareOut(Schema):
    id: int
    kind: str = Field(description="The card: product, store, order, gift or mini_program")
    card_id: int
    title: str = Field(description="The card's product title, store name, order number or mini program name")
    channel: str = Field(description="Where it was shared: chat, group, moment or business_chat")
    channel_id: int = Field(description="The conversation (chat, group, business chat) or Moments post")
    scene: int = Field(
        description="The scene a purchase through it records: 9, 10, 11 or 13 (12 for a mini program)"
    )
    url: str = Field(description="The short link /s/<code> the card opens")
    opens: int = Field(description="Times opened by someone other than the sharer")
    orders: int = Field(description="Orders placed with this share as their verified source")
    created_at: datetime
