"""From a compiled OpenDSS circuit (topology.opendss.RawModel) to the OMS network model
(CONTRACT.md §10): substations, feeders, sections, in-line devices, DPs and one meter per load.

Set-based over the bus graph with networkx:
- a transformer from transmission (> 35 kV) to distribution voltage is a substation (or the
  model's source, when it has none); what lies above it is transmission and is left out;
- a section is a group of distribution-voltage buses joined by plain lines (and in-line
  regulators); switch lines and lines watched by a Fuse, Recloser or Relay are devices between
  two sections;
- a closed device leaving a substation's bus is a feeder (its head breaker); a substation with
  none has one feeder, its own bus section;
- a transformer whose low-voltage side serves loads is a DP; a load on a primary bus hangs on a
  DP named after that bus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from topology.opendss import RawModel

TRANSMISSION_KV = 35.0  # above this, a winding is transmission or subtransmission
SERVICE_KV_LN = 0.7  # below this line-to-neutral base, a bus is a secondary (service) bus
FEET = 0.3048
METRES_PER_DEGREE = 111_320.0
DEVICE_KIND = {
    "fuse": "fuse", "recloser": "recloser", "relay": "recloser", "switch": "switch",
    "lateral": "fuse",
}  # fmt: skip
PRECEDENCE = ["relay", "recloser", "fuse", "switch"]  # one device per line: the strongest


@dataclass
class FeederModel:
    circuit: str
    substations: list[dict] = field(default_factory=list)  # code, name, voltage, lat, lng
    feeders: list[dict] = field(default_factory=list)  # code, name, substation, head_section, …
    sections: list[str] = field(default_factory=list)
    devices: list[dict] = field(default_factory=list)  # kind, code, state, section_a/b, lat, lng
    dps: list[dict] = field(default_factory=list)  # code, name, section, lat, lng
    meters: list[dict] = field(default_factory=list)  # code, dp, lat, lng
    lines: list[dict] = field(default_factory=list)  # code, section, coordinates
    warnings: list[str] = field(default_factory=list)


class Placer:
    """Model x,y → (lat, lng). Coordinates already in degrees are kept (shifted to `origin` if
    one is given); planar ones (feet or metres) are laid around `origin`, centred."""

    def __init__(self, coords: dict, origin: tuple[float, float] | None, unit: str = "ft"):
        xs = [x for x, _ in coords.values()]
        ys = [y for _, y in coords.values()]
        self.centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2) if xs else (0.0, 0.0)
        self.degrees = bool(xs) and all(abs(x) <= 180 for x in xs) and all(abs(y) <= 90 for y in ys)
        self.origin = origin
        self.scale = FEET if unit == "ft" else 1.0
        self.coords = coords
        lat0 = origin[0] if origin else 0.0
        self.cos = math.cos(math.radians(lat0))

    def __call__(self, bus: str | None) -> tuple[float | None, float | None]:
        if bus not in self.coords:
            return None, None
        x, y = self.coords[bus]
        if self.degrees:
            if self.origin is None:
                return round(y, 6), round(x, 6)
            return (
                round(self.origin[0] + y - self.centre[1], 6),
                round(self.origin[1] + x - self.centre[0], 6),
            )
        lat0, lng0 = self.origin or (0.0, 0.0)
        dy = (y - self.centre[1]) * self.scale / METRES_PER_DEGREE
        dx = (x - self.centre[0]) * self.scale / (METRES_PER_DEGREE * self.cos)
        return round(lat0 + dy, 6), round(lng0 + dx, 6)


def _open_point(line, degree: dict, buses: set) -> str | None:
    """IEEE 123 draws its normally-open ties as a switch line to a dangling bus `<bus>_open`:
    the bus it would close onto."""
    for end in (line.bus2, line.bus1):
        if end.endswith("_open") and degree.get(end, 0) == 1 and end[:-5] in buses:
            return end
    return None


def build(raw: RawModel, origin=None, unit: str = "ft") -> FeederModel:
    """The network model of a compiled circuit (see the module's docstring)."""
    builder = _Builder(raw, Placer(raw.coords, origin, unit))
    builder.sections()
    builder.devices()
    builder.feeders()
    builder.orient()
    builder.customers()
    builder.lines()
    return builder.model


class _Builder:
    def __init__(self, raw: RawModel, place: Placer):
        self.raw, self.place = raw, place
        self.model = FeederModel(circuit=raw.circuit, warnings=list(raw.warnings))
        self.protected: dict[str, tuple[str, str]] = {}  # line → (kind, device name)
        for kind, name, line in sorted(raw.protection, key=lambda p: PRECEDENCE.index(p[0])):
            self.protected.setdefault(line, (kind, name))
        known = {line.name for line in raw.lines}
        for line in sorted(set(self.protected) - known):
            self.model.warnings.append(f"protective device on unknown line {line}")
        self.substation_tx = [
            t for t in raw.transformers if max(t.kvs) > TRANSMISSION_KV >= min(t.kvs)
        ]
        self.lv = {bus for bus, kv in raw.kv_base.items() if 0 < kv < SERVICE_KV_LN}
        self.service_tx = [t for t in raw.transformers if any(b in self.lv for b in t.buses)]

    def sections(self) -> None:
        """Transmission (what the source reaches without crossing a substation transformer)
        is left out; the primary buses joined by plain lines and regulators are sections."""
        raw, substation_names = self.raw, {t.name for t in self.substation_tx}
        everything = nx.Graph()
        everything.add_nodes_from(raw.kv_base)
        for line in raw.lines:
            everything.add_edge(line.bus1, line.bus2)
        for t in raw.transformers:
            if t.name not in substation_names:
                nx.add_path(everything, t.buses)
        for _, a, b in raw.reactors:
            everything.add_edge(a, b)
        transmission = (
            nx.node_connected_component(everything, raw.source_bus) if substation_names else set()
        )
        self.degree = dict(everything.degree())
        self.primary = {b for b in raw.kv_base if b not in self.lv and b not in transmission}
        if not raw.protection and not any(line.switch for line in raw.lines):
            self._infer_laterals()
        not_inline = substation_names | {t.name for t in self.service_tx}
        plain = nx.Graph()
        plain.add_nodes_from(self.primary)
        for line in raw.lines:
            ends_primary = line.bus1 in self.primary and line.bus2 in self.primary
            if self._is_device(line) or not (line.enabled and not line.open and ends_primary):
                continue
            plain.add_edge(line.bus1, line.bus2)
        for t in raw.transformers:
            if t.name not in not_inline and all(b in self.primary for b in t.buses):
                nx.add_path(plain, t.buses)
        for _, a, b in raw.reactors:
            if a in self.primary and b in self.primary:
                plain.add_edge(a, b)
        self.section_of: dict[str, str] = {}
        for component in nx.connected_components(plain):
            self.section_of.update(dict.fromkeys(component, min(component)))

    def _infer_laterals(self) -> None:
        """A model without any protective device or switch (EPRI ckt24): a fuse is inferred
        where a one- or two-phase line taps a three-phase one, as laterals are fused."""
        raw, primary = self.raw, self.primary
        graph = nx.Graph()
        for line in raw.lines:
            if line.enabled and not line.open and line.bus1 in primary and line.bus2 in primary:
                graph.add_edge(line.bus1, line.bus2, line=line)
        inline = {t.name for t in self.service_tx} | {t.name for t in self.substation_tx}
        for t in raw.transformers:
            if t.name not in inline and all(b in primary for b in t.buses):
                nx.add_path(graph, t.buses)
        three = {b for line in raw.lines if line.phases >= 3 for b in (line.bus1, line.bus2)}
        low = [t.buses[t.kvs.index(min(t.kvs))] for t in self.substation_tx]
        for start in low or [raw.source_bus]:
            if start not in graph:
                continue
            for upstream, downstream in nx.bfs_edges(graph, start):
                line = graph.edges[upstream, downstream].get("line")
                if line and line.phases < 3 and upstream in three:
                    self.protected[line.name] = ("lateral", line.name)
        self.model.warnings.append(
            f"no protective device in the model: {len(self.protected):,} lateral fuses inferred "
            "where one- or two-phase lines tap three-phase ones"
        )

    def _is_device(self, line) -> bool:
        return line.switch or line.name in self.protected

    def devices(self) -> None:
        """A device between two sections per switch or protected line; ties drawn to a
        dangling `_open` bus close onto its bus."""
        self.found, outside = [], []
        for line in filter(self._is_device, self.raw.lines):
            bus1, bus2 = line.bus1, line.bus2
            dangling = _open_point(line, self.degree, self.primary)
            if dangling:
                bus1, bus2 = (bus1, bus2[:-5]) if bus2 == dangling else (bus1[:-5], bus2)
            if bus1 not in self.section_of or bus2 not in self.section_of:
                outside.append(line.name)
                continue
            kind, name = self.protected.get(line.name, ("switch", line.name))
            is_open = not line.enabled or line.open or bool(dangling)
            self.found.append(
                {
                    "kind": DEVICE_KIND[kind],
                    "source": kind,
                    "code": name,
                    "line": line.name,
                    "state": "open" if is_open else "closed",
                    "buses": (bus1, bus2),
                }
            )
        if outside:
            self.model.warnings.append(
                f"{len(outside)} switch/protected line(s) on transmission or secondary buses "
                f"left out: {', '.join(sorted(outside))}"
            )

    def feeders(self) -> None:
        """Each closed device leaving a substation's bus section is a feeder; a substation
        without one has its bus section as its single feeder."""
        raw, section_of, model = self.raw, self.section_of, self.model
        subs = [(t.name, t.buses[t.kvs.index(min(t.kvs))], min(t.kvs)) for t in self.substation_tx]
        subs = subs or [(raw.circuit, raw.source_bus, None)]
        self.heads, used = [], set()  # heads: (feeder, substation, head section, bus)
        for code, bus, kv in subs:
            sub_section = section_of.get(bus)
            lat, lng = self.place(bus)
            model.substations.append(
                {"code": code, "name": f"{raw.circuit} {code}", "voltage": kv, "lat": lat,
                 "lng": lng}
            )  # fmt: skip
            leaving = [
                d
                for d in self.found
                if d["state"] == "closed"
                and d["source"] != "lateral"  # an inferred lateral fuse is no breaker
                and d["code"] not in used
                and sub_section in {section_of[b] for b in d["buses"]}
                and section_of[d["buses"][0]] != section_of[d["buses"][1]]
            ]
            if not leaving:
                feeder = raw.circuit if len(subs) == 1 else f"{code}_feeder"
                self.heads.append((feeder, code, sub_section, bus))
            for d in leaving:
                used.add(d["code"])
                far = next(b for b in d["buses"] if section_of[b] != sub_section)
                self.heads.append((d["code"], code, section_of[far], d["buses"][0]))
        self.found = [d for d in self.found if d["code"] not in used]
        for feeder, sub, head_section, bus in self.heads:
            lat, lng = self.place(bus)
            model.feeders.append(
                {"code": feeder, "name": f"{raw.circuit} {feeder}", "substation": sub,
                 "head_section": head_section, "lat": lat, "lng": lng}
            )  # fmt: skip

    def orient(self) -> None:
        """section_a of a device is the side the normal walk from the feeder heads reaches
        first; each section's normal feeder is the one whose walk reaches it first."""
        section_of = self.section_of
        graph = nx.Graph()
        graph.add_nodes_from(set(section_of.values()))
        for d in self.found:
            if d["state"] == "closed":
                graph.add_edge(*(section_of[b] for b in d["buses"]))
        self.depth: dict[str, int] = {}
        self.feeder_of: dict[str, str] = {}
        for feeder, _, head_section, _ in self.heads:
            for section, hops in nx.single_source_shortest_path_length(graph, head_section).items():
                if hops < self.depth.get(section, math.inf):
                    self.depth[section], self.feeder_of[section] = hops, feeder
        for d in self.found:
            a, b = (section_of[bus] for bus in d["buses"])
            bus_a = d["buses"][0]
            if self.depth.get(b, math.inf) < self.depth.get(a, math.inf):
                a, b, bus_a = b, a, d["buses"][1]
            d["section_a"], d["section_b"] = a, b
            d["lat"], d["lng"] = self.place(bus_a)
            del d["buses"]
        self.model.devices = sorted(self.found, key=lambda d: (d["kind"], d["code"]))
        self.model.sections = sorted(
            set(self.depth)
            | {d["section_a"] for d in self.found}
            | {d["section_b"] for d in self.found}
        )

    def customers(self) -> None:
        """DPs: a service transformer serves the loads of the secondary buses it reaches; a
        load on a primary bus hangs on a DP named after the bus. One meter per load."""
        raw, lv, section_of, model = self.raw, self.lv, self.section_of, self.model
        secondary = nx.Graph()
        secondary.add_nodes_from(lv)
        for line in raw.lines:
            if line.bus1 in lv and line.bus2 in lv and line.enabled and not line.open:
                secondary.add_edge(line.bus1, line.bus2)
        self.island_of = {}
        for component in nx.connected_components(secondary):
            self.island_of.update(dict.fromkeys(component, min(component)))
        self.dp_of_island: dict[str, tuple[str, str]] = {}  # island → (transformer, its bus)
        for t in sorted(self.service_tx, key=lambda t: t.name):
            high = [b for b in t.buses if b in section_of]
            for bus in t.buses:
                if bus in lv and high:
                    self.dp_of_island.setdefault(self.island_of[bus], (t.name, high[0]))
        dps: dict[str, dict] = {}
        for name, bus in sorted(raw.loads):
            if bus in section_of:
                dp_code, dp_bus, kind = bus, bus, "primary bus"
            elif bus in lv and self.island_of[bus] in self.dp_of_island:
                dp_code, dp_bus = self.dp_of_island[self.island_of[bus]]
                kind = "transformer"
            else:
                model.warnings.append(f"load {name} on bus {bus}: no transformer serves it")
                continue
            if section_of[dp_bus] not in self.feeder_of:
                model.warnings.append(f"load {name}: no feeder reaches its bus {dp_bus}")
                continue
            if dp_code not in dps:
                lat, lng = self.place(dp_bus)
                dps[dp_code] = {
                    "code": dp_code,
                    "name": f"{kind} {dp_code}",
                    "section": section_of[dp_bus],
                    "feeder": self.feeder_of[section_of[dp_bus]],
                    "lat": lat,
                    "lng": lng,
                }
            lat, lng = self.place(bus)
            if lat is None:
                lat, lng = dps[dp_code]["lat"], dps[dp_code]["lng"]
            model.meters.append({"code": name, "dp": dp_code, "lat": lat, "lng": lng})
        model.dps = sorted(dps.values(), key=lambda d: d["code"])

    def lines(self) -> None:
        """Every line with coordinates at both ends, in its section (a secondary line: in its
        DP's section) when that section is part of the model."""
        served = set(self.model.sections)
        lv_section = {
            island: self.section_of[bus]
            for island, (_, bus) in self.dp_of_island.items()
            if bus in self.section_of
        }

        def section(bus):
            return self.section_of.get(bus) or lv_section.get(self.island_of.get(bus))

        for line in self.raw.lines:
            ends = [self.place(line.bus1), self.place(line.bus2)]
            if ends[0][0] is None or ends[1][0] is None:
                continue
            home = section(line.bus1) or section(line.bus2)
            if home in served:
                self.model.lines.append(
                    {"code": line.name, "section": home, "coordinates": [list(e) for e in ends]}
                )
