"""Refuse before reading, against a real Daphne: many large anonymous, unauthorized and
oversized uploads at once are answered 401/403/413 without the server reading them whole, and
the server's peak memory (VmHWM of /proc/<pid>/status) stays within a bound."""

from __future__ import annotations

import json
import select
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import load_fixture
from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024
LIMIT = 5 * MiB
# What the server may grow by, at its peak, while it refuses 20 uploads of 64 to 300 MB at once
# (2.3 GB offered). Reading them whole, as before, took more than 400 MB.
PEAK_GROWTH_BOUND = 100 * MiB
CHUNK = b"x" * (64 * 1024)


def memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) * 1024
    return fields


def upload(port: int, path: str, total: int, *, chunked: bool, token: str | None = None):
    """Send up to `total` bytes, reading the answer as soon as the server gives one.

    Returns (status or None when the server closed without one, bytes sent)."""
    headers = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    headers.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    if token:
        headers.append(f"Authorization: Token {token}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
    sock.setblocking(False)
    pending, queued, sent, finished, answer = b"", 0, 0, False, b""
    try:
        while True:
            want_write = bool(pending) or not finished
            readable, writable, _ = select.select([sock], [sock] if want_write else [], [], 30)
            if not readable and not writable:
                break
            if readable:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
                if b"\r\n\r\n" in answer:
                    break
                continue
            if not pending:
                piece = CHUNK[: total - queued]
                queued += len(piece)
                if chunked:
                    pending = b"%x\r\n%s\r\n" % (len(piece), piece) if piece else b"0\r\n\r\n"
                else:
                    pending = piece
                finished = not piece or (not chunked and queued == total)
                if not pending:
                    continue
            n = sock.send(pending)
            pending = pending[n:]
            sent += n
    except OSError:
        pass
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent


@pytest.fixture
def server(grid):
    daphne = DaphneServer("refuse", INGEST_MAX_BODY_BYTES=str(LIMIT)).start()
    yield daphne
    daphne.stop()


def test_large_uploads_are_refused_unread_and_memory_stays_flat(server):
    from ingest.models import OnuEvent
    from oms.tokens import issue_token

    onu = issue_token("onu-feed", ["ingest:onu"])
    reader = issue_token("reader", ["read"])
    port, pid = server.port, server.process.pid
    small = json.dumps(load_fixture("providers/onu_last_gasp.json"))
    for _ in range(5):  # warm up: the answering path is loaded before the baseline is taken
        upload(server.port, "/api/ingest/onu/", 4 * MiB, chunked=False)
    baseline = memory(pid)["VmRSS"]

    cases = [
        # (how many, path, bytes, chunked, token, expected status)
        (8, "/api/ingest/onu/batch/", 64 * MiB, True, None, 413),  # anonymous, cut at the limit
        (4, "/api/ingest/onu/", 4 * MiB, False, None, 401),  # anonymous, under the limit
        (2, "/api/ingest/onu/", 4 * MiB, False, reader, 403),  # wrong scope
        (4, "/api/ingest/onu/batch/", 300 * MiB, False, onu, 413),  # declared too large
        (2, "/api/ingest/onu/batch/", 64 * MiB, True, onu, 413),  # chunked, too large
    ]
    jobs = [(path, size, chunked, token, want) for n, path, size, chunked, token, want in cases
            for _ in range(n)]  # fmt: skip
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(
            pool.map(
                lambda job: (upload(port, job[0], job[1], chunked=job[2], token=job[3]), job),
                jobs,
            )
        )

    peak = memory(pid)["VmHWM"]
    print(f"baseline RSS {baseline / MiB:.0f} MiB, peak {peak / MiB:.0f} MiB")
    for (status, sent), (path, size, chunked, _token, want) in results:
        assert status == want, (path, size, chunked, status)
        if size > LIMIT:
            assert sent < size / 4, (path, size, sent)  # the rest was never taken in
    assert peak - baseline < PEAK_GROWTH_BOUND, (baseline / MiB, peak / MiB)
    status, answer = server.post("/api/ingest/onu/", json.loads(small), onu)
    assert status == 201, answer
    assert OnuEvent.objects.count() == 1
