"""deploy/nginx.conf on this machine's loopback, for the load test (bench/loadtest.sh): the one config
source, with local paths and ports, a self-signed certificate and a minimal main configuration around it.

    .venv/bin/python scripts/nginx-local.py FOLDER --upstream 8073 --https 8072 --http 8074
    nginx -c FOLDER/nginx.conf -g 'daemon off;'

Only what a single machine needs changes: listen addresses, certificate and cache paths, the upstream,
and `Host $http_host` (the loopback ports are not 443, and the app builds absolute URLs from Host).
"""

import argparse
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(folder: Path, upstream: int, https: int, http: int, connections: int = 4096) -> Path:
    """Writes FOLDER/site.conf, FOLDER/nginx.conf and a certificate for localhost; returns nginx.conf."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    site = (ROOT / "deploy/nginx.conf").read_text()
    for production, here in {
        "/etc/ssl/mapapp/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/mapapp/privkey.pem": str(folder / "key.pem"),
        "/var/cache/nginx/mapapp": str(folder / "cache"),
        "/var/www/acme": str(folder / "acme"),
        "server 127.0.0.1:8000": f"server 127.0.0.1:{upstream}",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "proxy_set_header Host $host;": "proxy_set_header Host $http_host;",
    }.items():
        if production not in site:
            raise SystemExit(f"deploy/nginx.conf no longer says {production!r}: update scripts/nginx-local.py")
        site = site.replace(production, here)
    (folder / "site.conf").write_text(site)
    if not (folder / "cert.pem").exists():
        openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=localhost"]
        keys = ["-keyout", folder / "key.pem", "-out", folder / "cert.pem"]
        subprocess.run(openssl + keys, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed arguments
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    main = folder / "nginx.conf"
    # One worker process: a cache HIT costs ~0.1 ms of one core (docs/operations.md), and the two cores
    # are the app's and PostgreSQL's. Enough connections for every resident's keep-alive connection.
    main.write_text(f"""
user root;
worker_processes 1;
worker_rlimit_nofile {connections * 2};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
""")
    return main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--upstream", type=int, required=True, help="the app server's port (scripts/serve.sh)")
    parser.add_argument("--https", type=int, required=True)
    parser.add_argument("--http", type=int, required=True, help="plain HTTP: redirects to HTTPS, as in production")
    args = parser.parse_args()
    print(render(args.folder, args.upstream, args.https, args.http))


if __name__ == "__main__":
    main()
