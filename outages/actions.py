"""State changes of outages that operators make; the engine's SQL does the work.

Each action owns its transaction and turns the engine's errors into domain errors; pushes to
dashboards follow from the engine's pg_notify at commit, whichever door the change came through.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone

from outages import sqlfuncs
from outages.models import ACTIVE_STATUSES, Outage, OutageType, RuleSet, RuleSetSwitch
from topology.actions import Switching, switch_device
from topology.models import SwitchingSource


class OutageNotFound(Exception):
    pass


class IllegalTransition(Exception):
    pass


class RuleSetNotFound(Exception):
    pass


class RuleSetAlreadyActive(Exception):
    pass


def transition_outage(
    *,
    event_id: str,
    status: str | None,
    actor: str,
    note: str = "",
    estimated_restoration_time: datetime | None = None,
    crew: str | None = None,
) -> Outage:
    """Move an outage along detected → confirmed → in_progress → restored → cleared (or cancel
    it), recording note, ETR and crew on its timeline."""
    try:
        with transaction.atomic():
            sqlfuncs.transition_outage(
                event_id=event_id,
                status=status,
                actor=actor,
                note=note,
                estimated_restoration_time=estimated_restoration_time,
                crew=crew,
            )
    except DatabaseError as exc:
        sqlstate = getattr(exc.__cause__, "sqlstate", None)
        if sqlstate == "P0002":
            raise OutageNotFound(event_id) from exc
        if sqlstate == "OM409":
            raise IllegalTransition(str(exc.__cause__).splitlines()[0]) from exc
        raise
    return Outage.objects.get(event_id=event_id)


def operate_device(
    *,
    kind: str,
    code: str,
    action: str,
    note: str = "",
    user=None,
    source: str = SwitchingSource.OPERATOR,
    source_event_id: str = "",
    event_time: datetime | None = None,
) -> Switching:
    """Open or close a device and let its meters and outages follow, in one transaction.

    The network's side is topology's `switch_device` (state, derived feeding, log entry). Then,
    as evidence of the operation (provider `operator`, or `scada` for a telemetered device's
    own status): opening de-energizes what the device fed — an operator's opening stands as a
    `planned_outage` at the device, a trip as an outage; closing re-energizes what it feeds now,
    restoring those meters in whatever outage held them (step restoration). Raises topology's
    DeviceNotFound, SwitchingRefused (409) or DeviceBusy (409).
    """
    when = event_time or timezone.now()
    provider = "scada" if source == SwitchingSource.SCADA else "operator"
    key = source_event_id or f"switching:{kind.lower()}:{code}:{when.isoformat()}"
    cut_off: list[dict] = []

    def de_energize(device_kind: str, device_id: int) -> None:
        # Before the device opens: what it feeds now is what the opening cuts off.
        who = getattr(user, "username", "") or getattr(user, "name", "") or "SCADA"
        cut_off.extend(
            sqlfuncs.apply_device_evidence(
                evidence="off",
                scope=device_kind,
                device_id=device_id,
                provider=provider,
                source_event_id=key,
                event_time=when,
                severity="medium" if provider == "operator" else "high",
                root_cause=f"Switching: {device_kind} {code} opened by {who}"
                + (f" ({note})" if note else ""),
                operated=True,
            )
        )

    with transaction.atomic():
        switching = switch_device(
            kind=kind,
            code=code,
            action=action,
            note=note,
            user=user,
            source=source,
            source_event_id=key,
            operated_at=when,
            before_change=de_energize if action == "open" else None,
        )
        operation = switching.operation
        if action == "open":
            if provider == "operator":
                Outage.objects.filter(
                    scope=operation.device_kind,
                    device_id=operation.device_id,
                    status__in=ACTIVE_STATUSES,
                    sources__source_event_id=key,
                ).update(event_type=OutageType.PLANNED)
            rows = cut_off
            operation.meters_de_energized = sum(
                row["previous_status"] != "off" and row["power_status"] == "off" for row in rows
            )
        else:
            # After the device closed: what it feeds now is what the closing re-energized.
            rows = sqlfuncs.apply_device_evidence(
                evidence="on",
                scope=operation.device_kind,
                device_id=operation.device_id,
                provider=provider,
                source_event_id=key,
                event_time=when,
            )
            operation.meters_energized = sum(
                row["previous_status"] != "on" and row["power_status"] == "on" for row in rows
            )
        # The outages its meters are counted in now (a trip's own; those a closing restored).
        switching.outage_ids = sorted({row["outage_id"] for row in rows if row["outage_id"]})
        operation.save(update_fields=["meters_de_energized", "meters_energized"])
        sqlfuncs.announce_switching(operation.pk)
    return switching


def activate_rule_set(*, name: str, user=None, note: str = "") -> RuleSetSwitch:
    """Make the rule set called `name` the active one, log the switch and announce it.

    The sets are locked in one order (by key) first, so two operators switching at once are
    served one after the other: the second sees the first's result (409 if it asked for the
    same set). The engine reads the new values from the next event on. Raises RuleSetNotFound
    or RuleSetAlreadyActive.
    """
    with transaction.atomic():
        sets = list(RuleSet.objects.select_for_update().order_by("pk"))
        target = next((s for s in sets if s.name.lower() == name.strip().lower()), None)
        if target is None:
            raise RuleSetNotFound(f"No rule set called {name!r}.")
        current = next((s for s in sets if s.active), None)
        if current is not None and current.pk == target.pk:
            raise RuleSetAlreadyActive(f"Rule set {target.name} is already active.")
        now = timezone.now()
        if current is not None:
            RuleSet.objects.filter(pk=current.pk).update(active=False, updated_at=now)
        RuleSet.objects.filter(pk=target.pk).update(active=True, updated_at=now)
        switch = RuleSetSwitch.objects.create(
            switched_at=now,
            from_set=current.name if current is not None else "",
            to_set=target.name,
            # A person (session) or an API token (its name): the log says who either way.
            user=user if isinstance(user, get_user_model()) else None,
            operator=getattr(user, "username", "") or getattr(user, "name", "") or "",
            note=note,
        )
        sqlfuncs.announce_rules(switch.pk)
    return switch
