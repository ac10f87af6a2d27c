"""The store score as buyers see it (DOMAIN.md: on the store page, the product page and search
results): the score, or "暂无评分" below 30 qualifying orders (or never scored), and the badges.

    {% load scoring_public %}
    {% public_score store.pk %}                       one store: one query
    {% store_scores results.items as scores %}        a list: one query for all of them
    {% public_score item.store_id scores %}           ... then no query per item
"""

from django import template

from xiaodian.scoring import selectors

register = template.Library()


@register.simple_tag
def store_scores(items) -> dict:
    """The scores of the stores of `items` (objects or dicts with `store_id`, or ids), one query."""
    ids = []
    for item in items or ():
        store_id = item.get("store_id") if isinstance(item, dict) else getattr(item, "store_id", item)
        if isinstance(store_id, int):
            ids.append(store_id)
    return selectors.public_scores(ids)


@register.inclusion_tag("scoring/_public_score.html")
def public_score(store_id, scores=None) -> dict:
    if scores is None:
        scores = selectors.public_scores([store_id])
    return {"shown": scores.get(store_id)}
