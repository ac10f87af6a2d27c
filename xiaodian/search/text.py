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


@dataclass(frozen=True)
class Query:
    """A query cut for matching: `terms` must all match; `prefixes` are Latin runs that match any
    term they begin (pinyin, initials, English words)."""

    text: str  # normalised
    terms: tuple[str, ...]
    prefixes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.prefixes


def query(text: str) -> Query:
    """Cut a query: a Chinese run of one or two characters is one term, a longer one its bigrams;
    a Latin run is a prefix."""
    cut_terms: list[str] = []
    prefixes: list[str] = []
    for run in runs(text)[: rules.QUERY_RUNS_MAX]:
        if _is_cjk(run):
            run = run[: rules.QUERY_CHARS_MAX]
            cut_terms += [run] if len(run) <= 2 else [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            prefixes.append(run[: rules.QUERY_CHARS_MAX])
    return Query(normalize(text), tuple(dict.fromkeys(cut_terms)), tuple(dict.fromkeys(prefixes)))
