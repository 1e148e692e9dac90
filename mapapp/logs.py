"""Logs: one JSON object per line with LOG_FORMAT=json (for a log shipper), plain text otherwise.

Each request is logged once by the `mapapp.request` logger with its request id, method, route, path
(never the query string: it holds residents' coordinates), status and duration.
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime

# What a LogRecord carries anyway; everything else on a record came in through `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# An X-Request-ID from the proxy is kept when it looks like one (nginx's $request_id: 32 hex digits).
_REQUEST_ID = re.compile(r"[-\w.:]{8,64}")

request_log = logging.getLogger("mapapp.request")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: the console handler in the chosen format."""
    plain = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    formatter = {"()": JsonFormatter} if log_format == "json" else plain
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["console"], "level": level},
    }


def request_id_of(environ) -> str:
    """The proxy's X-Request-ID when it is a plausible one, else a new id."""
    sent = environ.get("HTTP_X_REQUEST_ID", "")
    return sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def log_request(request_id, method, route, path, status, seconds):
    request_log.info(
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        seconds * 1000,
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
