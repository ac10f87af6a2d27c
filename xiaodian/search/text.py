"""Chinese-aware text for search (docs/search.md): one normal form for documents and queries, and
the index terms both are cut into.

Most queries are one to a few Chinese characters, and neither SQLite's unicode61 tokenizer nor
PostgreSQL's parser splits a run of Chinese characters into words. So a document is indexed by
terms we cut ourselves and join with spaces (which both tokenizers split on):

- every Chinese character (unigram) and every two adjacent ones (bigram): a one- or two-character
  query is a single term, and a longer one is the AND of its bigrams — a substring match;
- jieba's words (search mode) of three or more characters, which raise the score of a whole-word
  match;
- each run of Latin letters and digits as it is;
- for store names, pinyin: the whole name's syllables run together and their initials, from each
  character to the end, so "shanye", "guanfang" and "sygf" find 山野官方旗舰店 by prefix.
"""

import gc
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import jieba
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin

from . import rules

jieba.setLogLevel(logging.WARNING)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def warm_up() -> None:
    """Load the dictionaries search cuts with (jieba's, OpenCC's, pypinyin's: ~300,000 objects)
    and move everything alive to the garbage collector's permanent generation (`gc.freeze`), so
    no full collection walks them again: one such pass took ~70 ms in the middle of a query
    (docs/benchmarks.md "Search"). For a serving process after start-up, and the search bench."""
    jieba.initialize()
    normalize("預熱")
    lazy_pinyin("预热")
    gc.collect()
    gc.freeze()


def normalize(text: str) -> str:
    """Full-width to half-width and compatibility forms (NFKC), traditional to simplified, case
    folded, runs of space squashed."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(_t2s().convert(text).casefold().split())


def runs(text: str) -> list[str]:
    """The normalised text's runs of Chinese characters and of Latin letters/digits (everything
    else separates them)."""
    return _RUNS.findall(normalize(text))


def _is_cjk(run: str) -> bool:
    return bool(_IS_CJK.match(run))


def _cjk_terms(run: str) -> list[str]:
    found = list(run)
    found += [run[i : i + 2] for i in range(len(run) - 1)]
    found += [w for w in jieba.cut_for_search(run) if len(w) >= 3]
    return found


def terms(text: str) -> list[str]:
    """The index terms of a document field, in order, repeats kept (they weigh in the score)."""
    found: list[str] = []
    for run in runs(text):
        found += _cjk_terms(run) if _is_cjk(run) else [run]
    return found


def pinyin_terms(name: str) -> list[str]:
    """Pinyin terms of a store name: from each Chinese character to the end, the syllables run
    together and the initials (only where they differ from what the name already holds)."""
    chinese = "".join(run for run in runs(name) if _is_cjk(run))[: rules.PINYIN_CHARS_MAX]
    if not chinese:
        return []
    syllables = lazy_pinyin(chinese, errors="ignore")
    initials = [s[0] for s in lazy_pinyin(chinese, style=Style.FIRST_LETTER, errors="ignore") if s]
    found = []
    for i in range(len(syllables)):
        found.append("".join(syllables[i:]))
        if len(initials) - i >= 2:
            found.append("".join(initials[i:]))
    return found


# Particles a buyer may leave out or put in (小满果园 / 小满的果园): not a word of a query.
PARTICLES = frozenset({"的", "之"})

_vocabulary: set[str] = set()


def add_vocabulary(words) -> int:
    """Teach jieba the catalog's own words (category, brand and store names), so a query is cut
    where the catalog's names are; answers how many were new."""
    jieba.dt.check_initialized()
    added = 0
    for word in words:
        word = normalize(word).replace(" ", "")
        # a word jieba knows already stays as it is (and is never unlearnt)
        if len(word) >= 2 and word not in _vocabulary and _is_cjk(word) and not _in_dictionary(word):
            tokenizer = jieba.dt
            total = tokenizer.total
            jieba.add_word(word, freq=rules.VOCABULARY_FREQ)
            # jieba adds the frequency to its total, which would make every other word rarer (and
            # a hundred thousand store names would change how everything else is cut)
            tokenizer.total = total
            _vocabulary.add(word)
            added += 1
    return added


def forget_vocabulary() -> None:
    """Unteach jieba every word `add_vocabulary` taught it (the tests start each from jieba's own
    dictionary, so no test depends on the names an earlier one created)."""
    for word in _vocabulary:
        jieba.del_word(word)
    _vocabulary.clear()


@dataclass(frozen=True)
class Word:
    """One word of a query: a Chinese word (its `terms`: itself when of one or two characters,
    else its adjacent pairs, all of which a document must hold) or a Latin run (`prefix`)."""

    text: str
    terms: tuple[str, ...] = ()
    prefix: str = ""

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def known(self) -> bool:
        """A word of the catalog's vocabulary or of jieba's dictionary (spelt right, then), not
        characters jieba only glued together."""
        return (
            bool(self.prefix) or len(self.text) < 2 or self.text in _vocabulary or _in_dictionary(self.text)
        )


def _in_dictionary(word: str) -> bool:
    return bool(jieba.dt.FREQ.get(word))


@dataclass(frozen=True)
class Query:
    """A query cut for matching: `terms` must all match; `prefixes` are Latin runs that match any
    term they begin (pinyin, initials, English words). `words` are the query's words: a document
    that holds every word matches (`terms`, `prefixes`); `relaxed()` gives the queries for
    documents that hold most of them."""

    text: str  # normalised
    terms: tuple[str, ...]
    prefixes: tuple[str, ...]
    words: tuple[Word, ...] = ()
    held: float | None = None  # of the original query's characters, when fewer than `chars`

    @property
    def empty(self) -> bool:
        return not self.terms and not self.prefixes

    @property
    def chars(self) -> int:
        return sum(word.chars for word in self.words)

    @property
    def holds(self) -> float:
        """How many of the original query's characters a match holds."""
        return self.chars if self.held is None else self.held

    def relaxed(self) -> list["Query"]:
        """ "Most terms": each query that leaves out one word, when the words left hold more than
        half of the query's characters (a misspelt character, a word the catalog does not have:
        绿茶明前的 → 绿茶 明前; 拖拉机配件 does not become 配件)."""
        if len(self.words) < 2:
            return []
        found = []
        for i in range(len(self.words)):
            kept = self.words[:i] + self.words[i + 1 :]
            if 2 * sum(word.chars for word in kept) > self.chars:
                found.append(_query_of(self.text, kept))
        return found

    def split(self) -> list["Query"]:
        """For a word the catalog and jieba do not know (jieba glued unknown characters: 好物书防,
        小满坊): its characters anywhere in the document, and then all of them but one (a misspelt
        character), at most SPLIT_QUERIES_MAX queries. Such a match holds the query's characters
        less 0.5 (scattered) or less 1 (one left out)."""
        found: list[Query] = []
        total = self.chars
        for i, word in enumerate(self.words):
            if word.known or word.chars > rules.SPLIT_CHARS_MAX:
                continue
            others = self.words[:i] + self.words[i + 1 :]
            chars = [Word(c, (c,)) for c in dict.fromkeys(word.text)]
            found.append(_query_of(self.text, (*others, *chars), held=total - 0.5))
            if 2 * (total - 1) > total:
                for j in range(len(chars)):
                    found.append(_query_of(self.text, (*others, *chars[:j], *chars[j + 1 :]), held=total - 1))
        return found[: rules.SPLIT_QUERIES_MAX]


def _query_of(normalised: str, words, held: float | None = None) -> Query:
    terms = tuple(dict.fromkeys(term for word in words for term in word.terms))
    prefixes = tuple(dict.fromkeys(word.prefix for word in words if word.prefix))
    return Query(normalised, terms, prefixes, tuple(words), held)


def _cjk_words(run: str) -> list[Word]:
    cut = [w for w in jieba.cut(run) if w.strip()]
    content = [w for w in cut if w not in PARTICLES] or cut
    return [Word(w, (w,) if len(w) <= 2 else tuple(w[i : i + 2] for i in range(len(w) - 1))) for w in content]


def query(text: str) -> Query:
    """Cut a query into words: a Chinese run by jieba (with the catalog's vocabulary, particles
    dropped), each word matching as itself (one or two characters) or as the AND of its adjacent
    pairs; a Latin run is a prefix."""
    words: list[Word] = []
    for run in runs(text)[: rules.QUERY_RUNS_MAX]:
        if _is_cjk(run):
            words += _cjk_words(run[: rules.QUERY_CHARS_MAX])
        else:
            prefix = run[: rules.QUERY_CHARS_MAX]
            words.append(Word(prefix, prefix=prefix))
    unique = list({word.text: word for word in words}.values())[: rules.QUERY_WORDS_MAX]
    return _query_of(normalize(text), unique)
