"""How concentrated exposure is (DOMAIN.md "Traffic distribution"): a day's impressions per store
as Gini, the top-1% stores' share, and the shares shown to new and small stores and to stores with
the private-domain boost."""

import numpy as np

from . import rules


def gini(counts: np.ndarray) -> float:
    """0 when every store got as much, towards 1 when one store got everything."""
    x = np.sort(np.asarray(counts, dtype=np.float64))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * x.sum()) - (n + 1) / n)


def top_share(counts: np.ndarray, share: float = rules.TOP_SHARE) -> float:
    x = np.sort(np.asarray(counts, dtype=np.float64))[::-1]
    if len(x) == 0 or x.sum() == 0:
        return 0.0
    k = max(1, int(np.ceil(len(x) * share)))
    return float(x[:k].sum() / x.sum())


def figures(stores: np.ndarray, flags: np.ndarray) -> dict:
    """stores, flags: one entry per impression (ServedPage's arrays, concatenated)."""
    total = len(stores)
    if total == 0:
        return {
            "impressions": 0,
            "stores": 0,
            "gini": 0.0,
            "top_share": 0.0,
            "small_share": 0.0,
            "boost_share": 0.0,
        }
    _ids, counts = np.unique(stores, return_counts=True)
    return {
        "impressions": int(total),
        "stores": len(counts),
        "gini": round(gini(counts), 4),
        "top_share": round(top_share(counts), 4),
        "small_share": round(float(((flags & 1) > 0).sum() / total), 4),
        "boost_share": round(float(((flags & 2) > 0).sum() / total), 4),
    }
