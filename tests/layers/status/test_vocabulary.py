"""One vocabulary: shelter statuses, congestion and the hazard report's words come from one place each
(layers/status/vocabulary.py and the translation catalogues), and reach templates and the map from there."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from layers.answers.hazard_report import LANGUAGES, code_label, hazard_report_at
from layers.kinds import get_kind
from layers.status import vocabulary

ROOT = Path(__file__).resolve().parents[3]
ENTRY = re.compile(r'^(?:msgctxt "(?P<ctx>[^"]*)"\n)?msgid "(?P<id>(?:[^"\\]|\\.)*)"\n(?:"(?:[^"\\]|\\.)*"\n)*'
                   r'(?:msgid_plural "[^\n]*\n(?:"[^\n]*\n)*)?msgstr(?:\[0\])? "(?P<str>(?:[^"\\]|\\.)*)"\n'
                   r'(?P<more>(?:"(?:[^"\\]|\\.)*"\n)*)', re.M)  # fmt: skip


def catalogue(path):
    """{(msgctxt, msgid-start): translated?} of a .po file, obsolete entries aside."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return {(m["ctx"], m["id"]): bool(m["str"] or m["more"].strip()) for m in ENTRY.finditer(text) if m["id"]}


def test_every_status_and_level_has_a_label_in_both_languages():
    for language in ("ja", "en"):
        with translation.override(language):
            client = vocabulary.for_client()
        assert [s["value"] for s in client["statuses"]] == list(vocabulary.Opening.values)
        assert {s["value"] for s in client["statuses"] if s["open"]} == set(vocabulary.OPEN_STATES)
        assert [c["value"] for c in client["congestion"]] == [level.value for level in vocabulary.CONGESTION_LEVELS]
        assert all(s["label"] for s in client["statuses"]) and all(c["label"] for c in client["congestion"])
    with translation.override("ja"):
        assert vocabulary.opening_label("open") == "開設" and vocabulary.congestion_label("full") == "満"
    with translation.override("en"):
        assert vocabulary.opening_label("not_open") == "Not open"
        assert vocabulary.opening_label("bogus") == "Status unknown"


def test_the_map_gets_the_vocabulary_and_the_page_size_from_the_server(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    config = json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html, re.S)[1])
    assert config["features_page_size"] == settings.FEATURES_MAX_LIMIT
    assert config["status_poll_seconds"] == settings.STATUS_POLL_SECONDS
    assert {"value": "permanent", "label": "Always open", "open": True} in config["status_vocabulary"]["statuses"]


def test_no_status_words_are_repeated_in_javascript():
    scripts = (ROOT / "frontend/static/frontend/js").glob("*.js")
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        for words in ('"permanent"', "somewhat_crowded", '"Always open"', "Somewhat crowded"):
            assert words not in text, f"{script.name} repeats {words}; take it from config.status_vocabulary"


@pytest.mark.parametrize("path", ["locale/ja/LC_MESSAGES/django.po", "locale/ja/LC_MESSAGES/djangojs.po"])
def test_the_japanese_catalogues_are_complete(path):
    entries = catalogue(path)
    # Code list labels are marked only for the easy-Japanese rewording; Japanese takes the code list's own label.
    missing = [key for key, done in entries.items() if not done and key[0] not in ("hazard_type", "zone_class")]
    assert not missing, f"untranslated in {path}: {missing}"


def test_easy_japanese_is_its_own_catalogue_falling_back_to_japanese():
    easy = catalogue("locale/ja_Easy/LC_MESSAGES/django.po")
    assert ("hazard report", "Hazards at this place") in easy
    with translation.override(LANGUAGES["easy"]):
        assert vocabulary.opening_label("open") == "あいて います"
        flood = get_kind("hazard_zone").fields_by_name["hazard_type"].code("flood")
        assert code_label(flood, "hazard_type").startswith("こう水") and code_label(flood) == "洪水"
        tsunami = get_kind("hazard_zone").fields_by_name["hazard_type"].code("tsunami")
        assert code_label(tsunami, "hazard_type") == "津波"  # not reworded: the Japanese label


def test_the_report_outside_the_prefecture_in_three_languages(db):
    before = translation.get_language()
    texts = {lang: hazard_report_at(139.69, 35.69, lang)["message"] for lang in LANGUAGES}
    assert texts["en"].startswith("This point is outside Osaka Prefecture")
    assert texts["ja"].startswith("この地点は大阪府の区域外です")
    assert texts["easy"].startswith("この 場所は 大阪府の 外です")
    assert translation.get_language() == before  # the report's language does not leak into the request
