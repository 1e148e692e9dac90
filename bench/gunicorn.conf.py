"""gunicorn settings for the benchmark target (and a sane production starting point)."""

import multiprocessing
import os
import socket

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "gthread"
# Tiles wait on PostgreSQL most of the time, so threads overlap those waits; processes use the cores.
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", 8))
keepalive = 75
accesslog = None
loglevel = "warning"


def when_ready(server):
    # Accepted sockets inherit TCP_NODELAY on Linux: no 40 ms Nagle/delayed-ACK stall on keep-alive
    # responses written as headers + body (the trap the bench README describes for uvicorn).
    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
