"""What `oms demo` settles before it serves: the port is free, the operator's login is the one of
the last start (unless reset), and nothing a stopped storm left is still out."""

from __future__ import annotations

import errno
import os
import secrets
import socket
import sys
from datetime import UTC, datetime

OPERATOR = "operator"
# Kept beside the embedded database, readable by its owner only.
LOGIN_FILE = "demo-operator-password"


def port_problem(host: str, port: int) -> str | None:
    """Why Daphne could not listen on host:port, or None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        return f"cannot resolve --host {host!r}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As Twisted listens: a port in TIME_WAIT is free, one someone listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use (another oms demo?): free it or use --port"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def exit_if_port_taken(host: str, port: int) -> None:
    problem = port_problem(host, port)
    if problem:
        print(f"oms demo: {problem}", file=sys.stderr, flush=True)
        sys.exit(2)


def operator_login(reset: bool = False) -> str:
    """The operator's password: the one saved at the last start while it still logs in (open
    sessions stay logged in), else — or with reset — a new one, saved for the next start."""
    from django.contrib.auth.models import User

    from oms.embedded import data_dir

    path = data_dir() / LOGIN_FILE
    user, _ = User.objects.get_or_create(username=OPERATOR)
    saved = path.read_text().strip() if path.exists() else ""
    if not reset and saved and user.check_password(saved):
        if not (user.is_active and user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = user.is_active = True
            user.save(update_fields=["is_staff", "is_superuser", "is_active"])
        return saved
    password = secrets.token_urlsafe(9)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)  # a new password ends the sessions of the old one
    user.save()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def restore_leftovers() -> int:
    """Restore what a stopped storm left out: a SCADA restoration, dated now, through the
    ingest door at every substation with an active outage; an outage still active after that
    (evidence without meters off, a call) is cancelled. Returns how many outages were active."""
    from ingest import actions
    from ingest.parsers import parse_scada
    from outages.actions import transition_outage
    from outages.models import ACTIVE_STATUSES, Outage

    active = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    count = active.count()
    if not count:
        return 0
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    codes = sorted(
        set(active.exclude(substation=None).values_list("substation__substation_id", flat=True))
    )
    events = [
        parse_scada(
            {
                "eventId": f"demo-restart-{code}-{stamp}",
                "eventType": "MV_AlarmRestoration",
                "alarmType": "Energized",
                "substationId": code,
                "timestamp": now.isoformat(),
                "reason": "oms demo restarted: the last storm was stopped before its end",
            }
        )
        for code in codes
    ]
    actions.ingest_scada_events(events)
    for event_id in active.values_list("event_id", flat=True):
        transition_outage(
            event_id=event_id,
            status="cancelled",
            actor=OPERATOR,
            note="left by a demo storm that was stopped before its end",
        )
    return count


def restore_normal_state() -> int:
    """Put back in their normal state the devices a stopped storm left switched, through the
    switching action an operator would use: openings first (a tie closed for a back-feed), then
    closings, so no step parallels two sources. Returns how many were operated."""
    from django.db.models import F

    from outages.actions import operate_device
    from topology.actions import SwitchingRefused
    from topology.models import Device, Feeder

    moved = [
        *Device.objects.exclude(state=F("normal_state")).order_by("normal_state", "id"),
        *Feeder.objects.exclude(state=F("normal_state")).order_by("id"),
    ]
    operated = 0
    for device in sorted(moved, key=lambda d: d.normal_state != "open"):
        kind = getattr(device, "kind", "feeder")
        code = getattr(device, "code", None) or device.feeder_id
        try:
            operate_device(
                kind=kind,
                code=code,
                action="open" if device.normal_state == "open" else "close",
                note="oms demo restarted: back to the normal state",
            )
        except SwitchingRefused as refused:
            print(f"! {kind} {code} left {device.state}: {refused}", flush=True)
            continue
        operated += 1
    return operated


# The demo plays a storm of hours in minutes (its shortest sustained fault lasts about 7 s, a
# recloser's reclose 1 to 4 s): outages restored within IEEE 1366's five minutes would all be
# momentary; here the line is 6 seconds.
DEMO_MOMENTARY_MINUTES = 0.1


def compress_time() -> bool:
    """Set `momentary_max_minutes` to the demo's 6 s while it is at its default (a steward's
    own value is kept). Returns True when it changed."""
    from outages.models import CorrelationRule

    return bool(
        CorrelationRule.objects.filter(rule_name="momentary_max_minutes", value=5).update(
            value=DEMO_MOMENTARY_MINUTES
        )
    )
