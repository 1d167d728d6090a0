"""The demo's sender: each storm message POSTed through the real ingest and switching endpoints
(oms/demo.py's StormPlayer decides when)."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time

BATCH = 500  # messages of one feed due at once go as one batch (CONTRACT §4 allows 5,000)


class Poster:
    """POSTs each message to /api/ingest/<provider>/ (or a crew's operation to
    /api/devices/<kind>/<code>/operate/) with keep-alive connections, one sender per channel so
    each feed keeps its own order while a slow answer from one does not hold the others back.
    Messages of one feed that are due together go as one batch."""

    def __init__(self, base: str, token: str, crew_token: str):
        self.host, port = base.rsplit("//", 1)[1].split(":")
        self.port = int(port)
        self.tokens = {"feed": token, "crew": crew_token}
        self.local = threading.local()
        self.queues: dict[str, queue.Queue] = {}
        self.failed = 0
        self.switching: list[dict] = []
        self.stopping = threading.Event()  # the demo stops: nothing more is sent or retried

    def post(self, path: str, payload: dict, token: str) -> tuple[int, dict]:
        body = json.dumps(payload).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        status, answer = 0, {}
        for attempt in range(6):
            connection = getattr(self.local, "connection", None)
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
                    self.local.connection = connection
                connection.request("POST", path, body, headers)
                response = connection.getresponse()
                status, text = response.status, response.read()
                try:
                    answer = json.loads(text or b"{}")
                except ValueError:
                    answer = {}
                if status != 503 or self.stopping.is_set():  # 503: busy, database away
                    return status, answer
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if self.stopping.is_set():
                    return status, answer
            time.sleep(0.5 * 2**attempt)
        return status, answer

    def send(self, channel: str, payloads: list[dict]) -> None:
        if channel == "operate":
            for step in payloads:
                kind, code = step.pop("kind"), step.pop("code")
                path = f"/api/devices/{kind}/{code}/operate/"
                status, answer = self.post(path, step, self.tokens["crew"])
                done = answer.get("switching") if status == 200 else None
                refused = {**step, "kind": kind, "code": code, "refused": status, "answer": answer}
                self.switching.append(done or refused)
                if status != 200:
                    self.failed += 1
                    print(f"! {step['action']} {kind} {code}: {status} "
                          f"{answer.get('detail', '')}", flush=True)  # fmt: skip
            return
        if len(payloads) == 1:
            status, _ = self.post(f"/api/ingest/{channel}/", payloads[0], self.tokens["feed"])
            self.failed += status not in (200, 201)
            return
        path = f"/api/ingest/{channel}/batch/"
        status, answer = self.post(path, {"events": payloads}, self.tokens["feed"])
        failed = len(payloads) if status != 200 else len(answer.get("rejected", []))
        if failed:
            print(f"! {failed} {channel} message(s) not accepted: {status} "
                  f"{str(answer)[:200]}", flush=True)  # fmt: skip
        self.failed += failed

    def put(self, channel: str, payload: dict) -> None:
        """Queue a message on its channel's sender (started on first use)."""
        if self.stopping.is_set():
            return
        if channel not in self.queues:
            pending: queue.Queue = queue.Queue()

            def drain():
                while True:
                    payloads = [pending.get()]
                    while len(payloads) < BATCH and channel != "operate":
                        try:
                            payloads.append(pending.get_nowait())
                        except queue.Empty:
                            break
                    try:
                        self.send(channel, payloads)
                    finally:
                        for _ in payloads:
                            pending.task_done()

            threading.Thread(target=drain, name=f"oms-demo-{channel}", daemon=True).start()
            self.queues[channel] = pending
        self.queues[channel].put(payload)

    def join(self) -> None:
        for pending in list(self.queues.values()):
            pending.join()
