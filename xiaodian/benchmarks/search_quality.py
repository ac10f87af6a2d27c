"""`xiaodian bench search-quality`: how well search finds what buyers type (issue 15).

The catalog is the demo's (seeded by `web.demo.seed_demo` through the services, first) and the
search benchmark's at a fixed small size (`STORES`, `PRODUCTS`, seed 1: the same names on every
machine), indexed by `reindex_all`. The labelled query set, `search_quality.json`, gives each
query its kind, tab and the results that should come up: a list of stores (by name) or of products
(by store name and title), or a rule (`{"category": name}`: anything filed under that leaf
category). Each query is run through `search.selectors.search` (first page of 10) and scored:

- recall@10: the share of the relevant results in the first ten, out of min(relevant, 10);
- MRR: 1 / the rank of the first relevant result (0 when none is in the first ten);
- nDCG@10: binary gains, log2 discount, against the ideal order of min(relevant, 10) hits;
- for the `no_hit` kind, the share of queries that found nothing (`empty`).

The query set was written against this catalog: the demo's queries by hand, the bench's drawn by
`label()` with a fixed seed from the seeded names and titles, each labelled by a plain rule over
the catalog that does not use the search (see `label`). `label()` regenerates the file.
"""

import json
import math
import random
import re
from collections.abc import Callable
from pathlib import Path

from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.search import selectors
from xiaodian.search.rules import Tab
from xiaodian.stores.models import Category, Store
from xiaodian.stores.rules import StoreState

from . import guard
from . import search as latency
from . import search_words as words

STORES = 2_000
PRODUCTS = 20_000
SEED = 1
TOP = 10
LABELS = Path(__file__).with_name("search_quality.json")
KINDS = (
    "full_name",
    "partial_name",
    "name_product",
    "category",
    "misspelling",
    "pinyin",
    "initials",
    "traditional",
    "no_hit",
)
# the goals (issue 15): recall@10 for names and name + product word, and over every query
NAME_KINDS = ("full_name", "partial_name", "name_product")
GOAL_NAMES = 0.95
GOAL_OVERALL = 0.9


# ---------------------------------------------------------------------------------- catalog


def prepare(progress, *, demo_seeder: Callable[[], None] | None) -> dict:
    """The demo (unless its stores are there) and the bench's catalog, then a full reindex."""
    guard.require_benchmark_database("seed and index the search-quality catalog")
    seeded_demo = False
    if demo_seeder is not None and not Store.objects.filter(name="山野官方旗舰店").exists():
        demo_seeder()
        seeded_demo = True
    bench = latency.seed(
        store_count=STORES, product_count=PRODUCTS, rng=random.Random(SEED), progress=progress
    )
    index = latency.build_index(progress)
    return {"demo": "seeded" if seeded_demo else "reused", "bench": bench, "index": index}


def _products_by_key() -> dict[tuple[str, str], int]:
    return {
        (store, title): pk
        for pk, store, title in Product.objects.filter(
            state=ProductState.LISTED, store__state=StoreState.OPEN
        ).values_list("pk", "store__name", "title")
    }


# ---------------------------------------------------------------------------------- scoring


def _keys(results) -> list:
    """A page of results as label keys: a store's name, a product's (store name, title)."""
    out = []
    for r in results.items:
        key = r.title if r.kind == "store" else (r.store_name, r.title)
        if key not in out:
            out.append(key)
    return out


def _relevant(label: dict, categories: dict[str, int]):
    """A predicate over (result, key) for the label."""
    rule = label.get("rule")
    if rule:
        category_id = categories[rule["category"]]
        if label["tab"] == Tab.STORES:
            stores = set(Store.objects.filter(main_category_id=category_id).values_list("name", flat=True))
            return (lambda key: key in stores), len(stores)
        products = {
            (s, t)
            for s, t in Product.objects.filter(
                category_id=category_id, state=ProductState.LISTED
            ).values_list("store__name", "title")
        }
        return (lambda key: key in products), len(products)
    wanted = {tuple(item) if isinstance(item, list) else item for item in label["relevant"]}
    return (lambda key: key in wanted), len(wanted)


def score(label: dict, keys: list, categories: dict[str, int]) -> dict:
    """recall@10, reciprocal rank and nDCG@10 of one query's first page."""
    if label["kind"] == "no_hit":
        return {"empty": float(not keys)}
    relevant, total = _relevant(label, categories)
    hits = [relevant(key) for key in keys[:TOP]]
    ideal = min(total, TOP)
    if ideal == 0:
        return {"recall": 0.0, "rr": 0.0, "ndcg": 0.0}
    first = next((i for i, hit in enumerate(hits) if hit), None)
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
    idcg = sum(1 / math.log2(i + 2) for i in range(ideal))
    return {
        "recall": sum(hits) / ideal,
        "rr": 0.0 if first is None else 1 / (first + 1),
        "ndcg": dcg / idcg,
    }


def measure(labels: list[dict], *, report: Callable[[dict], None] | None = None) -> dict:
    """Run every labelled query and average its scores per kind and over all."""
    categories = dict(Category.objects.values_list("name", "pk"))
    rows: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    misses = []
    for label in labels:
        results = selectors.search(label["q"], tab=label["tab"], limit=TOP)
        found = score(label, _keys(results), categories)
        rows[label["kind"]].append(found)
        if found.get("recall", 1.0) < 1.0 or found.get("empty", 1.0) < 1.0:
            misses.append({"kind": label["kind"], "tab": label["tab"], "q": label["q"], **found})
    kinds = []
    for kind, scores in rows.items():
        if not scores:
            continue
        row: dict = {"kind": kind, "queries": len(scores)}
        for metric in ("recall", "rr", "ndcg", "empty"):
            values = [s[metric] for s in scores if metric in s]
            if values:
                name = {"recall": "recall@10", "rr": "mrr", "ndcg": "ndcg@10", "empty": "empty"}[metric]
                row[name] = round(sum(values) / len(values), 3)
        kinds.append(row)
        if report:
            report(row)
    ranked = [s for kind, scores in rows.items() if kind != "no_hit" for s in scores]
    names = [s for kind in NAME_KINDS for s in rows[kind]]
    overall = {
        "queries": len(ranked),
        "recall@10": round(sum(s["recall"] for s in ranked) / len(ranked), 3) if ranked else 0.0,
        "mrr": round(sum(s["rr"] for s in ranked) / len(ranked), 3) if ranked else 0.0,
        "ndcg@10": round(sum(s["ndcg"] for s in ranked) / len(ranked), 3) if ranked else 0.0,
    }
    names_recall = round(sum(s["recall"] for s in names) / len(names), 3) if names else 0.0
    no_hit = rows["no_hit"]
    goals = {
        "names_recall@10": names_recall,
        "names_met": names_recall >= GOAL_NAMES,
        "overall_met": overall["recall@10"] >= GOAL_OVERALL,
        "no_hit_met": all(s["empty"] == 1.0 for s in no_hit),
    }
    return {"kinds": kinds, "overall": overall, "goals": goals, "misses": misses}


def run(*, demo_seeder: Callable[[], None] | None, report: Callable[[dict], None] | None = None) -> dict:
    with latency._progress() as progress:
        prepared = prepare(progress, demo_seeder=demo_seeder)
    labels = json.loads(LABELS.read_text())["queries"]
    measured = measure(labels, report=report)
    return {
        "scenario": "search-quality",
        "database_version": latency._database_version(),
        "catalog": {"stores": STORES, "products": PRODUCTS, "seed": SEED, "demo": True},
        "prepared": prepared,
        "rows": latency._counts(),
        **measured,
    }


# --------------------------------------------------------------------------------- labelling

DEMO = [  # the demo's queries, labelled by hand (store names; products as [store, title])
    ("full_name", "stores", "山野官方旗舰店", ["山野官方旗舰店"]),
    ("full_name", "stores", "拾光服饰", ["拾光服饰"]),
    ("full_name", "stores", "好物书房", ["好物书房"]),
    ("full_name", "stores", "小满的果园", ["小满的果园"]),
    ("partial_name", "stores", "山野旗舰店", ["山野官方旗舰店"]),
    ("partial_name", "stores", "小满果园", ["小满的果园"]),
    ("partial_name", "stores", "旗舰店山野", ["山野官方旗舰店"]),
    ("partial_name", "stores", "山野官方", ["山野官方旗舰店"]),
    ("name_product", "products", "山野红茶", [["山野官方旗舰店", "山野古树红茶"]]),
    ("name_product", "products", "山野绿茶", [["山野官方旗舰店", "山野高山云雾绿茶 明前头采"]]),
    ("name_product", "products", "山野白茶", [["山野官方旗舰店", "山野白茶饼 2019"]]),
    ("name_product", "products", "拾光牛仔裤", [["拾光服饰", "高腰直筒牛仔裤"]]),
    ("name_product", "products", "好物书房手账本", [["好物书房", "A5 点阵手账本"]]),
    ("name_product", "products", "高山绿茶", [["山野官方旗舰店", "山野高山云雾绿茶 明前头采"]]),
    ("name_product", "products", "绿茶明前", [["山野官方旗舰店", "山野高山云雾绿茶 明前头采"]]),
    ("misspelling", "stores", "山野官方旗见店", ["山野官方旗舰店"]),
    ("misspelling", "stores", "小满的果圆", ["小满的果园"]),
    ("misspelling", "stores", "好物书防", ["好物书房"]),
    ("pinyin", "stores", "shanyeguanfang", ["山野官方旗舰店"]),
    ("pinyin", "stores", "xiaomandeguoyuan", ["小满的果园"]),
    ("initials", "stores", "sygfqjd", ["山野官方旗舰店"]),
    ("initials", "stores", "xmdgy", ["小满的果园"]),
    ("traditional", "stores", "山野官方旗艦店", ["山野官方旗舰店"]),
    ("traditional", "stores", "好物書房", ["好物书房"]),
    ("traditional", "products", "山野古樹紅茶", [["山野官方旗舰店", "山野古树红茶"]]),
]
# Queries the catalog never answers: things not sold, other scripts, and words that share only a
# minor part with the catalog's (拖拉机配件 is not 配件).
NO_HIT = (
    *words.NO_HIT,
    "婚纱摄影",
    "拖拉机配件",
    "火星探测器",
    "潜水艇",
    "zzqx",
)
# one character swapped for another of the same sound: how names get mistyped
HOMOPHONES = {
    "山": "衫",
    "野": "也",
    "光": "广",
    "茶": "查",
    "庄": "装",
    "铺": "浦",
    "店": "点",
    "书": "输",
    "房": "防",
    "园": "圆",
    "果": "国",
    "食": "时",
    "品": "聘",
    "馆": "管",
    "阳": "羊",
    "风": "峰",
    "月": "越",
    "河": "和",
    "明": "名",
    "江": "将",
    "南": "难",
    "春": "纯",
    "城": "成",
    "香": "乡",
    "家": "佳",
    "记": "纪",
    "味": "为",
    "田": "甜",
    "川": "穿",
    "云": "芸",
    "雾": "务",
    "禾": "和",
    "溪": "西",
    "竹": "主",
    "花": "华",
    "间": "坚",
    "鞋": "协",
    "衣": "依",
    "装": "庄",
    "包": "宝",
    "酒": "久",
    "鲜": "先",
    "海": "还",
    "水": "税",
    "数": "书",
    "码": "马",
    "电": "店",
    "器": "气",
}


def _pinyin_from(name: str, initials: bool) -> list[str]:
    style = Style.FIRST_LETTER if initials else Style.NORMAL
    syllables = [s for s in lazy_pinyin(name, style=style, errors="ignore") if s]
    return ["".join(syllables[i:]) for i in range(len(syllables))]


def label(path: Path = LABELS, *, rng_seed: int = 15, per_kind: int = 20) -> list[dict]:
    """Write the labelled set for the catalog `prepare` builds (run once on it; the file is kept
    in the repository). The bench's queries are drawn from its stores and products and labelled by
    rules that read the catalog, not the index:

    - full_name / misspelling / traditional: the store drawn;
    - partial_name: a store's name without one of its parts: every store whose name holds the
      other parts, in order;
    - name_product: a store's name without its tail, and a product word it sells: every product
      whose store name and title together hold both;
    - pinyin / initials: the pinyin (or initials) of 2–4 characters of a name: every store whose
      name, from some character on, is spelt that way;
    - category: every store (stores tab) or product (products tab) filed under it."""
    rng = random.Random(rng_seed)
    t2s_inverse = OpenCC("s2t")
    stores = list(
        Store.objects.filter(
            state=StoreState.OPEN, subject__owner__username__startswith=latency.MERCHANT_PREFIX
        )
        .order_by("pk")
        .values_list("name", flat=True)
    )
    all_names = list(Store.objects.filter(state=StoreState.OPEN).values_list("name", flat=True))
    products = list(_products_by_key())
    by_store: dict[str, list[str]] = {}
    for store, title in products:
        by_store.setdefault(store, []).append(title)
    queries: list[dict] = []

    def add(kind: str, tab: str, q: str, relevant=None, rule=None) -> None:
        if any(existing["q"] == q and existing["tab"] == tab for existing in queries):
            return
        entry = {"kind": kind, "tab": tab, "q": q}
        entry.update({"rule": rule} if rule else {"relevant": relevant})
        queries.append(entry)

    for kind, tab, q, relevant in DEMO:
        if kind == "name_product":
            parts = _demo_parts(q)
            relevant = [[s, t] for s, t in products if all(p in s + t for p in parts)]
        add(kind, tab, q, relevant)

    def parts_of(name: str) -> list[str]:
        """A bench name's parts: heads, what it sells, its tail (search_words)."""
        found, rest = [], name
        while rest:
            for piece in sorted(
                {
                    *words.NAME_HEADS,
                    *(c for cores in words.NAME_CORES.values() for c in cores),
                    *words.GENERIC_CORES,
                    *(t for t in words.NAME_TAILS if t),
                },
                key=len,
                reverse=True,
            ):
                if rest.startswith(piece):
                    found.append(piece)
                    rest = rest[len(piece) :]
                    break
            else:
                found.append(rest)
                break
        return found

    drawn = rng.sample(stores, 200)
    for name in drawn[:per_kind]:
        add("full_name", "stores", name, [name])
    for name in drawn[per_kind : 3 * per_kind]:
        parts = parts_of(name)
        if len(parts) < 3:
            continue
        drop = rng.randrange(len(parts))
        kept = parts[:drop] + parts[drop + 1 :]
        pattern = re.compile(".*".join(map(re.escape, kept)))
        add("partial_name", "stores", "".join(kept), [n for n in all_names if pattern.search(n)])
        if sum(q["kind"] == "partial_name" for q in queries) >= per_kind + 4:
            break
    with_products = [n for n in drawn if by_store.get(n)]
    for name in with_products[: per_kind + 10]:
        parts = parts_of(name)
        shop = "".join(parts[:-1]) if len(parts) > 2 and parts[-1] in words.NAME_TAILS else name
        nouns = sorted(
            {
                noun
                for title in by_store[name]
                for group in words.PRODUCT_NOUNS.values()
                for noun in group
                if noun in title
            }
        )
        if not nouns:
            continue
        noun = rng.choice(nouns)
        relevant = [[s, t] for s, t in products if shop in s + t and noun in s + t]
        add("name_product", "products", shop + noun, relevant)
        if sum(q["kind"] == "name_product" for q in queries) >= per_kind + 7:
            break
    leaves = sorted(Category.objects.filter(children__isnull=True).values_list("name", flat=True))
    for leaf in rng.sample(leaves, 10):
        add("category", "stores", leaf, rule={"category": leaf})
    for leaf in rng.sample(leaves, 10):
        add("category", "products", leaf, rule={"category": leaf})
    for name in drawn[3 * per_kind : 5 * per_kind]:
        positions = [i for i, ch in enumerate(name) if ch in HOMOPHONES and i > 0]
        if not positions or len(name) < 4:
            continue
        i = rng.choice(positions)
        add("misspelling", "stores", name[:i] + HOMOPHONES[name[i]] + name[i + 1 :], [name])
        if sum(q["kind"] == "misspelling" for q in queries) >= per_kind + 3:
            break
    spelt = {n: (_pinyin_from(n, False), _pinyin_from(n, True)) for n in all_names}
    for kind, initials in (("pinyin", False), ("initials", True)):
        for name in drawn[5 * per_kind : 5 * per_kind + 15]:
            chars = name[: rng.randint(3, 4)]
            style = Style.FIRST_LETTER if initials else Style.NORMAL
            q = "".join(s for s in lazy_pinyin(chars, style=style) if s)
            relevant = [n for n in all_names if any(p.startswith(q) for p in spelt[n][1 if initials else 0])]
            add(kind, "stores", q, relevant)
    for name in drawn[6 * per_kind : 6 * per_kind + 15]:
        traditional = t2s_inverse.convert(name)
        if traditional != name:
            add("traditional", "stores", traditional, [name])
    for q in NO_HIT:
        add("no_hit", "stores", q, [])
        add("no_hit", "products", q, []) if q in NO_HIT[:5] else None
    path.write_text(
        json.dumps(
            {
                "catalog": {"stores": STORES, "products": PRODUCTS, "seed": SEED, "demo": True},
                "queries": queries,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    return queries


def _demo_parts(q: str) -> list[str]:
    return {
        "山野红茶": ["山野", "红茶"],
        "山野绿茶": ["山野", "绿茶"],
        "山野白茶": ["山野", "白茶"],
        "拾光牛仔裤": ["拾光", "牛仔裤"],
        "好物书房手账本": ["好物书房", "手账本"],
        "高山绿茶": ["高山", "绿茶"],
        "绿茶明前": ["绿茶", "明前"],
    }[q]
