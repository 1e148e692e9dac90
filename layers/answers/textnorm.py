"""Search keys for Japanese text: the folding that lets 「すいた」 find 吹田市's ｽｲﾀ and スイタ alike.

One definition, applied twice: `search_key()` here folds a query, and the SQL function
`layers_search_key(text)` (built by `function_sql()`, installed by migration 0005) folds the stored
names into indexed columns. tests/layers/test_search.py checks that both give the same key.

The steps, in order:
1. NFKC: half-width kana → full-width (ｶﾞ → ガ), full-width digits and Latin → ASCII (１２Ａ → 12A).
2. ASCII letters to lower case (only ASCII, so the result does not depend on the database's locale).
3. Hiragana → katakana, small kana → full size (ァ → ア, ッ → ツ, ヶ → ケ), ヴ → ブ, ヂ → ジ, ヅ → ズ.
4. ケ, カ and ガ between kanji → ケ: 霞ヶ関, 霞ケ関, 霞が関 and 霞カ関 are one place name.
5. Spaces, ー, dashes, the middle dot and punctuation are dropped.
6. Long vowels: a vowel repeating the one before it is dropped (オオサカ, オーサカ → オサカ), as are
   ウ after an o-row kana and イ after an e-row kana (トウキョウ → トキヨ, ケイ → ケ).

Every step maps characters to characters or drops them, so `search_key_map()` can tell, for each
character of the key, which characters of the original it came from (for highlighting a match).
"""

from __future__ import annotations

import re
import unicodedata

_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097)) + "ゝゞ"
_KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7)) + "ヽヾ"
_SMALL = "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
_LARGE = "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ"
_VARIANTS = "ヴヂヅ"
_VARIANTS_TO = "ブジズ"

# Step 3 as one character table (applied after step 2, so it only sees NFKC output).
FOLD_FROM = _HIRAGANA + _SMALL + _VARIANTS
FOLD_TO = _HIRAGANA.translate(str.maketrans(_HIRAGANA, _KATAKANA)) + _LARGE + _VARIANTS_TO
# Step 3 is applied twice in effect (hiragana → small katakana → full size), so compose it here.
FOLD_TO = FOLD_TO.translate(str.maketrans(_SMALL + _VARIANTS, _LARGE + _VARIANTS_TO))

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()

KANJI = "㐀-䶿一-鿿々"
KE_VARIANTS = "ケカガ"

# Characters that carry no meaning for matching a name (after NFKC, so only one width of each).
DROPPED = " \t\n\rー-‐‑‒–—―−~〜・·.,'\"()[]{}「」『』【】〔〕、。"

# The kana of each vowel row, after step 3 (so no hiragana, no small kana).
_ROWS = {
    "ア": "アカガサザタダナハバパマヤラワ",
    "イ": "イキギシジチニヒビピミリ",
    "ウ": "ウクグスズツヌフブプムユル",
    "エ": "エケゲセゼテデネヘベペメレ",
    "オ": "オコゴソゾトドノホボポモヨロヲ",
}
# (kana that may lengthen, the vowels dropped after it)
LONG_VOWELS = (
    (_ROWS["ア"], "ア"),
    (_ROWS["イ"], "イ"),
    (_ROWS["ウ"], "ウ"),
    (_ROWS["エ"], "エイ"),
    (_ROWS["オ"], "オウ"),
)

_FOLD_TABLE = str.maketrans(UPPER + FOLD_FROM, LOWER + FOLD_TO)
_KANJI_RE = re.compile(f"[{KANJI}]")
_COMBINING_KANA = "\u3099\u309a\uff9e\uff9f"


def _units(text):
    """The text in units that NFKC may compose: a character with the voiced marks that follow it."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not (text[i] in _COMBINING_KANA or unicodedata.combining(text[i])):
            yield start, text[start:i]
            start = i


def search_key_map(text: str) -> tuple[str, list[tuple[int, int]]]:
    """(the search key, for each of its characters the span of `text` it came from)."""
    units = _units(text or "")
    chars = [(c, (start, start + len(unit))) for start, unit in units for c in unicodedata.normalize("NFKC", unit)]
    chars = [(c.translate(_FOLD_TABLE), i) for c, i in chars]
    chars = [("ケ" if c in KE_VARIANTS and _between_kanji(chars, n) else c, i) for n, (c, i) in enumerate(chars)]
    chars = [(c, i) for c, i in chars if c not in DROPPED]
    kept = []
    for n, (c, i) in enumerate(chars):
        before = chars[n - 1][0] if n else ""
        if any(before and before in row and c in vowels for row, vowels in LONG_VOWELS):
            continue
        kept.append((c, i))
    return "".join(c for c, _ in kept), [i for _, i in kept]


def search_key(text: str) -> str:
    """The folded form of `text` that search compares (see the module docstring)."""
    return search_key_map(text)[0]


def _between_kanji(chars, n):
    return 0 < n < len(chars) - 1 and bool(_KANJI_RE.match(chars[n - 1][0]) and _KANJI_RE.match(chars[n + 1][0]))


def _literal(text):
    """A PostgreSQL string constant; an escape string (E'…') when it holds control characters."""
    if not any(c in text for c in "\t\n\r\\"):
        return "'" + text.replace("'", "''") + "'"
    escapes = {"\\": "\\\\", "'": "\\'", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    return "E'" + "".join(escapes.get(c, c) for c in text) + "'"


def function_sql(name="layers_search_key") -> str:
    """CREATE FUNCTION for the same folding in PostgreSQL (needs a UTF8 database; PostgreSQL 13+)."""
    # translate() over a long table is the costly step; most names and addresses need none of it.
    needs_folding = f"[A-Z{_HIRAGANA}{_SMALL}{_VARIANTS}]"
    table = f"{_literal(UPPER + FOLD_FROM)}, {_literal(LOWER + FOLD_TO)}"
    expr = f"CASE WHEN n ~ {_literal(needs_folding)} THEN translate(n, {table}) ELSE n END"
    expr = f"regexp_replace({expr}, {_literal(f'(?<=[{KANJI}])[{KE_VARIANTS}](?=[{KANJI}])')}, 'ケ', 'g')"
    expr = f"translate({expr}, {_literal(DROPPED)}, '')"
    # One pass over the string for every row, each looking behind at the text before this step.
    lookbehinds = "|".join(f"(?<=[{row}])[{vowels}]" for row, vowels in LONG_VOWELS)
    expr = f"regexp_replace({expr}, {_literal(lookbehinds)}, '', 'g')"
    return (
        f"CREATE OR REPLACE FUNCTION {name}(t text) RETURNS text\n"
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$\n"
        f"SELECT {expr}\nFROM (SELECT normalize(t, NFKC) AS n) AS normalized\n$fn$;"
    )
