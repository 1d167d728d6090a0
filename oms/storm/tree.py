"""The network as operated, read from the database after an import (`import_feeder opendss …` or
`import_grid` of a grid with devices): sections, the devices between them, the feeders that feed
them, the DPs on them and, on demand, the DPs' meters.

The storm keeps its own copy of the devices' states and walks it itself (breadth first from the
feeders' heads through closed devices, as `topology_derive_feeding` does), so the ground truth
never depends on what the engine derives.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass

from oms.storm.network import GridView, _f

SWITCHING_KINDS = ("recloser", "sectionalizer", "switch", "fuse")


@dataclass(slots=True)
class NetDevice:
    """A feeder's head breaker or an in-line device: closed, it joins sections `a` and `b`."""

    id: int
    kind: str  # feeder | recloser | sectionalizer | switch | fuse
    code: str
    normal_state: str
    state: str
    telemetered: bool
    a: int | None  # a feeder's breaker: None (the substation's bus)
    b: int
    lat: float | None
    lng: float | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.code)


@dataclass
class Feeding:
    """One walk of the network: which feeder reaches each section, and through which device."""

    feeder: dict[int, str]  # section -> feeder code
    via: dict[int, NetDevice]  # section -> the device it is fed through (head: the breaker)
    children: dict[int, list[int]]  # section -> sections fed through it

    def completed(self, normal: Feeding) -> Feeding:
        """This walk, with the sections it does not reach (behind an open device) attached as
        in `normal` (the engine's rule: a dead section keeps its normal feeder and parent)."""
        feeder, via = dict(self.feeder), dict(self.via)
        children = {s: list(kids) for s, kids in self.children.items()}
        for section in normal.feeder:  # breadth first: a parent comes before its children
            if section in feeder:
                continue
            device = normal.via[section]
            feeder[section], via[section] = normal.feeder[section], device
            parent = device.a if device.b == section else device.b
            if parent is not None:
                children.setdefault(parent, []).append(section)
        return Feeding(feeder, via, children)

    def below(self, device: NetDevice) -> list[int]:
        """The sections `device` feeds in this walk (none if it feeds nothing)."""
        roots = [s for s in (device.b, device.a) if s is not None and self.via.get(s) is device]
        out, stack = [], list(roots)
        while stack:
            section = stack.pop()
            out.append(section)
            stack.extend(self.children.get(section, ()))
        return out


class NetworkView(GridView):
    """A GridView (substations, feeders, DPs, meters on demand) with sections and devices."""

    def __init__(self, substations, feeders, dps, meter_loader, devices, dp_section, counts):
        super().__init__(substations, feeders, dps, meter_loader)
        self.dp_meter_counts: dict[str, int] = counts  # DP -> its active meters
        self.devices: dict[tuple[str, str], NetDevice] = devices
        self.dp_section: dict[str, int] = dp_section
        self.section_dps: dict[int, list[str]] = defaultdict(list)
        for dp, section in sorted(dp_section.items()):
            self.section_dps[section].append(dp)
        self.edges: dict[int, list[NetDevice]] = defaultdict(list)
        for d in devices.values():
            if d.kind != "feeder":
                self.edges[d.a].append(d)
                self.edges[d.b].append(d)
        self.heads = sorted((d for d in devices.values() if d.kind == "feeder"), key=lambda d: d.id)
        self._normal: Feeding | None = None
        self._kinds: dict[str, list[NetDevice]] = {}
        self.substation_feeders: dict[str, list[str]] = defaultdict(list)
        for feeder, (substation, _, _) in sorted(feeders.items()):
            self.substation_feeders[substation].append(feeder)

    def of_kind(self, kind: str) -> list[NetDevice]:
        if kind not in self._kinds:
            chosen = (d for d in self.devices.values() if d.kind == kind)
            self._kinds[kind] = sorted(chosen, key=lambda d: d.code)
        return list(self._kinds[kind])

    def walk(self, closed, sources=None) -> Feeding:
        """Feed from every head breaker `closed(device)` says is closed (and, with `sources`,
        whose feeder is in it) through the in-line devices `closed` says are closed. A section
        reachable twice takes the smaller depth, then the smaller feeder id (as the engine)."""
        feeder: dict[int, str] = {}
        via: dict[int, NetDevice] = {}
        children: dict[int, list[int]] = defaultdict(list)
        queue: deque[int] = deque()
        for head in self.heads:
            wanted = sources is None or head.code in sources
            if wanted and closed(head) and head.b not in feeder:
                feeder[head.b], via[head.b] = head.code, head
                queue.append(head.b)
        while queue:
            section = queue.popleft()
            for d in self.edges.get(section, ()):
                other = d.b if d.a == section else d.a
                if other in feeder or not closed(d):
                    continue
                feeder[other], via[other] = feeder[section], d
                children[section].append(other)
                queue.append(other)
        return Feeding(feeder, via, dict(children))

    def device_feeder(self, d: NetDevice) -> str:
        """The feeder a device is on in the network as read (a tie: the one feeding side a)."""
        if self._normal is None:
            self._normal = self.walk(lambda x: x.state == "closed")
        if d.kind == "feeder":
            return d.code
        return self._normal.feeder.get(d.a) or self._normal.feeder.get(d.b) or ""

    def dps_on(self, sections) -> list[str]:
        return [dp for s in sections for dp in self.section_dps.get(s, ())]

    @classmethod
    def from_db(cls, using: str = "default") -> NetworkView:
        """The network as the registry holds it now (devices in their present state)."""
        from django.db import connections

        flat = GridView.from_db(using)
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT id, feeder_id, normal_state, state, telemetered, head_section_id,"
                " location_lat, location_lng FROM network_feeders WHERE head_section_id IS NOT NULL"
            )
            devices = {
                ("feeder", code): NetDevice(i, "feeder", code, n, s, t, None, h, _f(la), _f(ln))
                for i, code, n, s, t, h, la, ln in cursor.fetchall()
            }
            cursor.execute(
                "SELECT id, kind, code, normal_state, state, telemetered, section_a_id,"
                " section_b_id, location_lat, location_lng FROM network_devices"
            )
            for i, kind, code, n, s, t, a, b, la, ln in cursor.fetchall():
                devices[(kind, code)] = NetDevice(i, kind, code, n, s, t, a, b, _f(la), _f(ln))
            cursor.execute(
                "SELECT dp_id, section_id FROM network_distribution_points"
                " WHERE section_id IS NOT NULL AND status = 'active'"
            )
            dp_section = dict(cursor.fetchall())
            cursor.execute(
                "SELECT d.dp_id, count(*) FROM oms_meters m"
                " JOIN network_distribution_points d ON d.id = m.dp_id"
                " WHERE m.status = 'active' GROUP BY d.dp_id"
            )
            counts = dict(cursor.fetchall())
        dps = {dp: feeder for dp, feeder in flat.dps.items() if dp in dp_section}
        return cls(
            flat.substations, flat.feeders, dps, flat._meter_loader, devices, dp_section, counts
        )
