"""The resident's map on a cheap phone: headless Chromium at 360×640 with slow 4G (1.6 Mbps down,
750 kbps up, 150 ms RTT) and the CPU slowed 4×, against the demo data served as in production
(DEBUG off, hashed and compressed static files, granian).

Measures: bytes transferred on the first load (compressed, as sent; the base map's tiles excluded, they are
answered empty), of which our own JS and CSS; the time until the map and the shelters are drawn; the
longest main-thread task during five zoom steps and pans at prefecture zoom.

    .venv/bin/python bench/browser.py                        # serves the demo database (DATABASE_URL)
    .venv/bin/python bench/browser.py --url http://127.0.0.1:8000   # against a running server
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
GOALS = {"bytes": 300_000, "own": 100_000, "drawn": 2.5, "task": 100}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve():
    """The demo database behind granian, as in production; returns (url, process)."""
    static = tempfile.mkdtemp(prefix="bench-static-")
    env = dict(
        os.environ,
        DEBUG="false",
        SECRET_KEY="bench-only-not-secret",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        BEHIND_TLS_PROXY="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=static,
        ACCESS_LOG="false",
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    env.update(HOST="127.0.0.1", PORT=str(port), WEB_WORKERS="2", PYTHON=sys.executable)
    process = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env)  # noqa: S607
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                return url, process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def measure(url):
    host = urlsplit(url).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        context = browser.new_context(
            viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale="ja-JP", service_workers="block",
        )  # fmt: skip
        # The base map's tiles are answered empty: the bench measures what we serve.
        context.route(
            "**/*", lambda r: r.continue_() if urlsplit(r.request.url).netloc == host else r.fulfill(status=204)
        )
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        sizes = {}
        urls = {}
        cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.add_init_script(
            """window.__tasks = []; new PerformanceObserver((list) => {
                 for (const entry of list.getEntries()) window.__tasks.push(entry.duration);
               }).observe({ type: "longtask", buffered: true });"""
        )
        started = time.monotonic()
        page.goto(url + "/")
        page.wait_for_function("() => window.osakaMap !== undefined", timeout=60_000)
        # Drawn: the boundaries and the shelters' clusters (or places) are on the map.
        page.wait_for_function(
            "() => { const c = window.osakaMap.counts(); return c.municipalities > 0 && "
            "c.clusters.shelters + c.layers.shelters > 0; }",
            timeout=60_000,
            polling=50,
        )
        drawn = time.monotonic() - started
        page.wait_for_function("() => window.osakaMap.idle()", timeout=60_000)
        page.wait_for_timeout(2000)
        own = sum(sizes.get(rid, 0) for rid, u in urls.items() if "/static/frontend/" in u or "/static/build/" in u)
        total = sum(n for rid, n in sizes.items() if urlsplit(urls.get(rid, url)).netloc == host)

        page.evaluate("() => { window.__tasks = []; }")
        for step in range(5):
            page.evaluate(
                "(step) => { const m = window.osakaMap.map; step % 2 ? m.panBy([120, -80], {animate: false})"
                " : m.setZoom(m.getZoom() + (step < 3 ? 0.5 : -0.5)); }",
                step,
            )
            page.wait_for_timeout(1500)
        longest = max(page.evaluate("() => window.__tasks") or [0])
        browser.close()
    return {"bytes": total, "own": own, "drawn": drawn, "task": longest}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: serve the demo database here)")
    args = parser.parse_args()
    process = None
    url = args.url
    if not url:
        url, process = serve()
    try:
        result = measure(url)
    finally:
        if process:
            process.terminate()
    rows = [
        ("bytes on first load (compressed, base map excluded)", f"{result['bytes'] / 1000:.0f} KB", "≤ 300 KB"),
        ("  of which our own JS and CSS", f"{result['own'] / 1000:.0f} KB", "≤ 100 KB"),
        ("map and shelters drawn", f"{result['drawn']:.1f} s", "≤ 2.5 s"),
        ("longest task, 5 zoom steps and pans at prefecture zoom", f"{result['task']:.0f} ms", "≤ 100 ms"),
    ]
    print("## The map on a cheap phone (360×640, slow 4G, 4× CPU)\n")
    print("| measure | result | goal |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")


if __name__ == "__main__":
    main()
