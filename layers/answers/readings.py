"""Readings for search: the kana of a name the source gives none for, and romaji typed for kana.

The GSI shelter lists carry no reading at all, so すいただいいち and "suita daiichi" found nothing while
吹田第一 found the school. Where a file has no 名称_カナ, the importer stores a reading derived with
SudachiPy (its core dictionary) in the feature's properties as `reading` (derived, not the source's);
the kana search key falls back to it (migration 0014). Romaji queries are turned into kana with jaconv
(Hepburn and the common input spellings); long vowels fold away in the search key, so "osaka" and
"ōsaka" both find 大阪.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jaconv

READING_PROPERTY = "reading"
_ROMAJI = re.compile(r"^[a-z' \-]+$")
_KANA_ONLY = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff ー]+$")


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode  # loaded once per process, on first use

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


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
