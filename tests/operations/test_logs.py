"""LOG_FORMAT=json: one JSON object per line, and one line per request with its id, method, route,
status and duration."""

import json
import logging
import os
import subprocess
import sys

from mapapp.logs import JsonFormatter, logging_config
from tests.conftest import ROOT
from tests.layers.tiles.test_tile_fastpath import OSAKA_STATION_Z14


def test_a_record_is_one_json_line_with_its_extras():
    record = logging.LogRecord("mapapp.request", logging.INFO, __file__, 1, "GET %s", ("/here",), None)
    record.route, record.status = "here", 200
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /here" and entry["route"] == "here" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["logger"] == "mapapp.request" and entry["time"].endswith("+00:00")


def test_an_exception_stays_on_its_line():
    try:
        raise ValueError("避難所\nbroken")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line and "ValueError: 避難所\nbroken" in json.loads(line)["exception"]


def test_the_setting_follows_log_format():
    assert logging_config("json", "INFO")["formatters"]["default"] == {"()": JsonFormatter}
    assert "format" in logging_config("text", "INFO")["formatters"]["default"]
    env = dict(os.environ, LOG_FORMAT="json", LOG_LEVEL="WARNING")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
         "import logging; logging.getLogger('probe').warning('hello %s', 'json')"],
        cwd=ROOT, env=dict(env, DJANGO_SETTINGS_MODULE="mapapp.settings"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    (line,) = [line for line in out.stderr.splitlines() if "probe" in line]
    assert json.loads(line)["message"] == "hello json"


def test_requests_are_logged_with_id_route_status_and_duration(db, client, settings):
    settings.REQUEST_LOG = True
    handler = _Capture()
    logging.getLogger("mapapp.request").addHandler(handler)
    try:
        client.get(
            "/api/layers/shelters/?lang=en&lat=34.7", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"}
        )
        client.get("/api/no-such-thing/")
    finally:
        logging.getLogger("mapapp.request").removeHandler(handler)
    first, second = (json.loads(JsonFormatter().format(r)) for r in handler.records)
    assert first["request_id"] == "0123456789abcdef0123456789abcdef"
    assert (first["method"], first["route"], first["path"], first["status"]) == (
        "GET",
        "layer-detail",
        "/api/layers/shelters/",
        200,
    )
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] > 0
    assert "lat=" not in json.dumps(first), "residents' coordinates stay out of the logs"
    assert second["route"] == "unmatched" and second["status"] == 404 and len(second["request_id"]) == 32


def test_the_production_server_logs_json_for_both_paths(ops_server):
    answer = ops_server.get(OSAKA_STATION_Z14, **{"X-Request-ID": "fedcba9876543210fedcba9876543210"})
    assert answer.status == 200 and answer.headers["X-Request-ID"] == "fedcba9876543210fedcba9876543210"
    assert ops_server.get("/api/layers/").status == 200
    lines = ops_server.log.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(entries) == len([line for line in lines if line.strip()]), "every line is JSON"
    requests = {e.get("request_id"): e for e in entries if e["logger"] == "mapapp.request"}
    tile = requests["fedcba9876543210fedcba9876543210"]
    assert (tile["route"], tile["status"], tile["method"]) == ("tile", 200, "GET")
    assert any(e["route"] == "layers-index" and e["status"] == 200 for e in requests.values())


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)
