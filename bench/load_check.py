"""After the spike (bench/loadtest.sh): check the goals and write the report, LOAD_OUT/LOAD.md.

    .venv/bin/python bench/load_check.py --url http://127.0.0.1:8072 --out var/loadtest

Pure HTTP and files, like the locustfile: the status history comes from the server's own export.
Goals (issue 21): no 5xx; every accepted status update in the history, and nothing else written;
p95 under 1 s for the cached reads; a status change visible to a resident polling every 5 s within 10 s;
the editor's import published. Exits 1 when one is missed.
"""

import argparse
import csv
import json
import os
import platform
import ssl
import sys
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

POLL_SECONDS = 5
# Reads served from a cache: tiles and cluster tiles (Redis, immutable versioned URLs), static files
# (WhiteNoise) and the status feed (ETag, mostly a 304).
CACHED_READS = ("tile ", "clusters ", "static", "status feed")


def load_stats(out: Path):
    with open(out / "locust_stats.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def load_history(out: Path):
    path = out / "locust_stats_history.csv"
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["Name"] == "Aggregated"]


def status_history(url, since_epoch):
    since = datetime.fromtimestamp(since_epoch).astimezone().isoformat()
    query = urlencode({"history": "1", "since": since, "format": "json"})
    # Through nginx on loopback: its certificate is self-signed (scripts/nginx-local.py).
    context = ssl._create_unverified_context()  # noqa: S323
    with urllib.request.urlopen(f"{url}/api/shelters/status/export?{query}", timeout=60, context=context) as r:  # noqa: S310
        return json.load(r)["shelters"]


def load_averages(out: Path):
    """The 1-minute load averages sampled during the run (bench/loadtest.sh), or []."""
    path = out / "loadavg.txt"
    if not path.exists():
        return []
    return [float(line.split()[0]) for line in path.read_text().splitlines() if line.strip()]


def ms(value):
    return f"{float(value):,.0f}" if value not in ("", "N/A", None) else "–"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", default="var/loadtest")
    parser.add_argument("--topology", default="scripts/serve.sh, production settings")
    args = parser.parse_args()
    out = Path(args.out)
    results = json.loads((out / "results.json").read_text())
    stats = load_stats(out)
    history = load_history(out)

    codes = {name: {int(c): n for c, n in by_code.items()} for name, by_code in results["codes"].items()}
    server_errors = {name: n for name, by in codes.items() for c, n in by.items() if c >= 500}
    no_answer = {name: n for name, by in codes.items() for c, n in by.items() if c == 0}

    accepted = {tuple(a) for a in results["accepted"]}
    rows = status_history(args.url, results["started"])
    recorded = {(r["municipality"], r["id"], r["version"]) for r in rows}
    missing = accepted - recorded
    unexpected = recorded - accepted

    cached = [s for s in stats if s["Name"].startswith(CACHED_READS) and s["Type"] == "GET"]
    slow_cached = [s for s in cached if float(s["95%"] or 0) >= 1000]

    seen = results["visibility"]
    delays = [d for d in seen if d is not None]
    worst_for_a_resident = (max(delays) + POLL_SECONDS) if delays else None

    record = results.get("import", {})
    published = record.get("publish", {}).get("status") == "published"

    checks = [
        ("no 5xx answer", not server_errors, f"{sum(server_errors.values())} 5xx {server_errors or ''}"),
        ("no request without an answer", not no_answer, f"{sum(no_answer.values())} {no_answer or ''}"),
        (
            "every accepted status update is in the history, and nothing else",
            not missing and not unexpected,
            f"{len(accepted)} accepted (2xx), {len(recorded)} history rows; missing {len(missing)}, "
            f"unexpected {len(unexpected)}; {results['conflicts']} stale updates refused with 409",
        ),
        (
            "p95 < 1 s for cached reads",
            bool(cached) and not slow_cached,
            ", ".join(f"{s['Name']} {ms(s['95%'])} ms" for s in cached),
        ),
        (
            f"a status change visible to a resident polling every {POLL_SECONDS} s within 10 s",
            bool(delays) and len(delays) == len(seen) and worst_for_a_resident <= 10,
            f"{len(delays)}/{len(seen)} changes seen; feed showed them after {min(delays):.2f}–{max(delays):.2f} s "
            f"(median {sorted(delays)[len(delays) // 2]:.2f} s); worst case for a {POLL_SECONDS} s poller "
            f"{worst_for_a_resident:.1f} s"
            if delays
            else "none seen",
        ),
        (
            "the editor's import was published during the spike",
            published,
            f"uploaded at {record.get('uploaded_at', 0):.0f} s, published at {record.get('published_at', 0):.0f} s "
            f"(version {record.get('publish', {}).get('published_version')})"
            if published
            else str(record),
        ),
    ]

    duration = results["finished"] - results["started"]
    total = next(s for s in stats if s["Name"] == "Aggregated")
    peak_users = max((int(h["User Count"]) for h in history), default=0)
    at_peak = [float(h["Requests/s"]) for h in history if int(h["User Count"]) == peak_users]
    loads = load_averages(out)
    lines = [
        "## Run",
        "",
        f"- {datetime.fromtimestamp(results['started']).astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), {args.url}: {args.topology}",
        f"- {duration:.0f} s; peak {peak_users} concurrent users; {int(total['Request Count']):,} requests, "
        f"{float(total['Requests/s']):.0f} requests/s over the whole run"
        + (f", {sum(at_peak) / len(at_peak):.0f} requests/s at the peak (max {max(at_peak):.0f})" if at_peak else ""),
        f"- load average (1 min) during the run: mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} "
        f"on {os.cpu_count()} CPUs (other sessions' work included)"
        if loads
        else "- load average: not sampled",
        "",
        "## Checks",
        "",
        "| goal | result | |",
        "|---|---|---|",
        *(f"| {goal} | {'**pass**' if ok else '**FAIL**'} | {detail} |" for goal, ok, detail in checks),
        "",
        "## Per endpoint (ms)",
        "",
        "| endpoint | requests | req/s | p50 | p95 | p99 | max | status codes |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in sorted(stats, key=lambda s: -int(s["Request Count"])):
        if s["Name"] == "Aggregated":
            continue
        by_code = codes.get(f"{s['Type']} {s['Name']}", {})
        code_text = ", ".join(f"{c}: {n:,}" for c, n in sorted(by_code.items()))
        lines.append(
            f"| {s['Type']} {s['Name']} | {int(s['Request Count']):,} | {float(s['Requests/s']):.1f} | "
            f"{ms(s['50%'])} | {ms(s['95%'])} | {ms(s['99%'])} | {ms(s['Max Response Time'])} | {code_text} |"
        )
    lines.append(
        f"| **all** | {int(total['Request Count']):,} | {float(total['Requests/s']):.1f} | {ms(total['50%'])} | "
        f"{ms(total['95%'])} | {ms(total['99%'])} | {ms(total['Max Response Time'])} | |"
    )
    report = "\n".join(lines) + "\n"
    (out / "LOAD.md").write_text(report)
    print(report)
    failed = [goal for goal, ok, _ in checks if not ok]
    if failed:
        print("MISSED: " + "; ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
