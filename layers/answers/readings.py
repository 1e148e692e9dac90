"""Readings for search: the kana of a name the source gives none for, and romaji typed for kana.

The GSI shelter lists carry no reading at all, so すいただいいち and "suita daiichi" found nothing while
吹田第一 found the school. Where a file has no 名称_カナ, the importer stores a reading derived with
SudachiPy (its core dictionary) in the feature's properties as `reading` (derived, not the source's);
the kana search key falls back to it (migration 0014). Romaji queries are turned into kana with jaconv
(Hepburn and the common input spellings); long vowels fold away in the search key, so "osaka" and
"ōsaka" both find 大阪.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from pathlib import Path

import jaconv

READING_PROPERTY = "reading"
ENGLISH_NAME_PROPERTY = "name_en"  # derived: romanised, with the facility type translated
GLOSSARY = Path(__file__).with_name("facility_types.csv")  # the facility types, as data
_BRACKETS = re.compile(r"[(（［\[].*?[)）］\]]")
_OWNER_PREFIX = re.compile(r"^.{1,6}?[市府町村区]立")  # 大阪市立, 府立: the English name goes without
_ROMAJI = re.compile(r"^[a-z' \-]+$")
_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff ー]+$")


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode  # loaded once per process, on first use

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


# A file repeats names (公民館, 集会所, the same school in both GSI lists): each is analysed once.
@functools.lru_cache(maxsize=65536)
def reading_of(text: str) -> str:
    """The katakana reading of a name (吹田第一小学校 → スイタダイイチショウガッコウ); '' for none."""
    text = (text or "").strip()
    if not text:
        return ""
    return "".join(morpheme.reading_form() for morpheme in _tokenizer().tokenize(text))


def kana_from_romaji(text: str) -> str | None:
    """'suita daiichi' → 'すいただいいち'; None when the text is not romaji that reads as kana."""
    folded = unicodedata.normalize("NFKD", (text or "").strip().lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))  # ō → o
    if not folded or not _ROMAJI.match(folded):
        return None
    kana = jaconv.alphabet2kana(folded.replace("-", " ").replace("'", ""))
    return kana if _KANA_ONLY.match(kana) else None


@functools.lru_cache(maxsize=1)
def _glossary() -> list[tuple[str, str]]:
    with GLOSSARY.open(encoding="utf-8") as fh:
        rows = [(row["ja"], row["en"]) for row in csv.DictReader(fh)]
    return sorted(rows, key=lambda row: -len(row[0]))  # the longest ending first: 区民センター before センター


def _romaji(kana: str) -> str:
    """Hepburn as signs write it: long vowels not doubled (オオサカ → Osaka, ショウ → sho)."""
    text = jaconv.kana2alphabet(jaconv.kata2hira(kana)).replace("-", "")
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        text = text.replace(long, short)
    return text


@functools.lru_cache(maxsize=65536)
def english_name(name: str) -> str:
    """A romanised name with its facility type in English where the data has none:
    吹田第一小学校 → Suita Daiichi Elementary School, 北区民センター → Kita Ward Community Center."""
    core = _OWNER_PREFIX.sub("", _BRACKETS.sub("", unicodedata.normalize("NFKC", name or "")).strip())
    if not core:
        return ""
    suffix = next(((ja, en) for ja, en in _glossary() if core.endswith(ja)), None)
    stem = core[: -len(suffix[0])] if suffix else core
    words, pending = [], ""
    for morpheme in _tokenizer().tokenize(stem):
        reading = morpheme.reading_form()
        if morpheme.surface().isascii() or not _KANA_ONLY.match(reading):
            words.append(morpheme.surface())  # Latin letters, digits: as written
            continue
        if morpheme.surface() == "第":
            pending = _romaji(reading)  # 第一 → Daiichi, one word
            continue
        words.append(pending + _romaji(reading))
        pending = ""
    words = [w[:1].upper() + w[1:] for w in words if w]
    if suffix:
        words.append(suffix[1])
    return " ".join(words)
