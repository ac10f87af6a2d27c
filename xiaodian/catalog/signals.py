"""Catalog events, sent on commit; higher apps (search, feeds, live shelves) subscribe."""

from django.dispatch import Signal

product_listed = Signal()  # sender=Product, product=Product
product_delisted = Signal()  # sender=Product, product=Product
product_banned = Signal()  # sender=Product, product=Product
