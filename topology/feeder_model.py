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
DEVICE_KIND = {"fuse": "fuse", "recloser": "recloser", "relay": "recloser", "switch": "switch"}
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
    model = FeederModel(circuit=raw.circuit, warnings=list(raw.warnings))
    place = Placer(raw.coords, origin, unit)
    protected: dict[str, tuple[str, str]] = {}  # line → (kind, device name)
    for kind, name, line in sorted(raw.protection, key=lambda p: PRECEDENCE.index(p[0])):
        protected.setdefault(line, (kind, name))
    lines_by_name = {line.name: line for line in raw.lines}
    for line in protected:
        if line not in lines_by_name:
            model.warnings.append(f"protective device on unknown line {line}")

    substation_tx = [t for t in raw.transformers if max(t.kvs) > TRANSMISSION_KV >= min(t.kvs)]
    lv = {bus for bus, kv in raw.kv_base.items() if 0 < kv < SERVICE_KV_LN}
    service_tx = [t for t in raw.transformers if any(b in lv for b in t.buses)]
    service_names = {t.name for t in service_tx} | {t.name for t in substation_tx}

    # Transmission: what the source reaches without crossing a substation transformer.
    everything = nx.Graph()
    everything.add_nodes_from(raw.kv_base)
    for line in raw.lines:
        everything.add_edge(line.bus1, line.bus2)
    for t in raw.transformers:
        if t.name not in {s.name for s in substation_tx}:
            nx.add_path(everything, t.buses)
    for _, a, b in raw.reactors:
        everything.add_edge(a, b)
    transmission = (
        nx.node_connected_component(everything, raw.source_bus) if substation_tx else set()
    )
    degree = dict(everything.degree())

    primary = {bus for bus in raw.kv_base if bus not in lv and bus not in transmission}
    plain = nx.Graph()
    plain.add_nodes_from(primary)
    device_lines = []
    for line in raw.lines:
        if line.switch or line.name in protected:
            device_lines.append(line)
        elif line.enabled and not line.open and line.bus1 in primary and line.bus2 in primary:
            plain.add_edge(line.bus1, line.bus2)
    for t in raw.transformers:
        if t.name not in service_names and all(b in primary for b in t.buses):
            nx.add_path(plain, t.buses)
    for _, a, b in raw.reactors:
        if a in primary and b in primary:
            plain.add_edge(a, b)

    section_of: dict[str, str] = {}
    for component in nx.connected_components(plain):
        code = min(component)
        section_of.update(dict.fromkeys(component, code))

    # Devices between two sections; ties drawn to a dangling `_open` bus close onto its bus.
    devices, outside = [], []
    for line in device_lines:
        bus1, bus2 = line.bus1, line.bus2
        dangling = _open_point(line, degree, primary)
        if dangling:
            bus1, bus2 = (bus1, bus2[:-5]) if bus2 == dangling else (bus1[:-5], bus2)
        if bus1 not in section_of or bus2 not in section_of:
            outside.append(line.name)
            continue
        kind, name = protected.get(line.name, ("switch", line.name))
        is_open = not line.enabled or line.open or bool(dangling)
        devices.append(
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
        model.warnings.append(
            f"{len(outside)} switch/protected line(s) on transmission or secondary buses left "
            f"out: {', '.join(sorted(outside))}"
        )

    # Substations and feeders.
    heads = []
    subs = [(t.name, t.buses[t.kvs.index(min(t.kvs))], min(t.kvs)) for t in substation_tx]
    if not subs:
        subs = [(raw.circuit, raw.source_bus, None)]
    used_heads = set()
    for code, bus, kv in subs:
        sub_section = section_of.get(bus)
        lat, lng = place(bus)
        model.substations.append(
            {"code": code, "name": f"{raw.circuit} {code}", "voltage": kv, "lat": lat, "lng": lng}
        )
        leaving = [
            d
            for d in devices
            if d["state"] == "closed"
            and d["code"] not in used_heads
            and sub_section in {section_of[b] for b in d["buses"]}
            and section_of[d["buses"][0]] != section_of[d["buses"][1]]
        ]
        if not leaving:
            code_f = raw.circuit if len(subs) == 1 else f"{code}_feeder"
            heads.append((code_f, code, sub_section, bus))
            continue
        for d in leaving:
            used_heads.add(d["code"])
            far = next(b for b in d["buses"] if section_of[b] != sub_section)
            heads.append((d["code"], code, section_of[far], d["buses"][0]))
    devices = [d for d in devices if d["code"] not in used_heads]
    for code_f, sub, head_section, bus in heads:
        lat, lng = place(bus)
        model.feeders.append(
            {
                "code": code_f,
                "name": f"{raw.circuit} {code_f}",
                "substation": sub,
                "head_section": head_section,
                "lat": lat,
                "lng": lng,
            }
        )

    # Orient devices: section_a is the side the normal walk from the feeder heads reaches first.
    sections = nx.Graph()
    sections.add_nodes_from(set(section_of.values()))
    for d in devices:
        if d["state"] == "closed":
            sections.add_edge(*(section_of[b] for b in d["buses"]))
    depth: dict[str, int] = {}
    feeder_of: dict[str, str] = {}  # section → the feeder whose normal walk reaches it first
    for code_f, _, head_section, _ in heads:
        for section, hops in nx.single_source_shortest_path_length(sections, head_section).items():
            if hops < depth.get(section, math.inf):
                depth[section], feeder_of[section] = hops, code_f
    unreached = math.inf
    for d in devices:
        a, b = (section_of[bus] for bus in d["buses"])
        bus_a = d["buses"][0]
        if depth.get(b, unreached) < depth.get(a, unreached):
            a, b, bus_a = b, a, d["buses"][1]
        d["section_a"], d["section_b"] = a, b
        d["lat"], d["lng"] = place(bus_a)
        del d["buses"]
    model.devices = sorted(devices, key=lambda d: (d["kind"], d["code"]))

    # DPs: a service transformer serves the loads of the secondary buses it reaches.
    secondary = nx.Graph()
    secondary.add_nodes_from(lv)
    for line in raw.lines:
        if line.bus1 in lv and line.bus2 in lv and line.enabled and not line.open:
            secondary.add_edge(line.bus1, line.bus2)
    island_of = {}
    for component in nx.connected_components(secondary):
        key = min(component)
        island_of.update(dict.fromkeys(component, key))
    dp_of_island: dict[str, tuple[str, str]] = {}  # island → (transformer, primary bus)
    for t in sorted(service_tx, key=lambda t: t.name):
        high = [b for b in t.buses if b in section_of]
        for bus in t.buses:
            if bus in lv and high:
                dp_of_island.setdefault(island_of[bus], (t.name, high[0]))
    dps: dict[str, dict] = {}
    for name, bus in sorted(raw.loads):
        if bus in section_of:
            dp_code, dp_bus, kind = bus, bus, "primary bus"
        elif bus in lv and island_of[bus] in dp_of_island:
            dp_code, dp_bus = dp_of_island[island_of[bus]]
            kind = "transformer"
        else:
            model.warnings.append(f"load {name} on bus {bus}: no transformer serves it, left out")
            continue
        if section_of[dp_bus] not in feeder_of:
            model.warnings.append(f"load {name}: no feeder reaches its bus {dp_bus}, left out")
            continue
        if dp_code not in dps:
            lat, lng = place(dp_bus)
            dps[dp_code] = {
                "code": dp_code,
                "name": f"{kind} {dp_code}",
                "section": section_of[dp_bus],
                "feeder": feeder_of[section_of[dp_bus]],
                "lat": lat,
                "lng": lng,
            }
        lat, lng = place(bus)
        if lat is None:
            lat, lng = dps[dp_code]["lat"], dps[dp_code]["lng"]
        model.meters.append({"code": name, "dp": dp_code, "lat": lat, "lng": lng})
    model.dps = sorted(dps.values(), key=lambda d: d["code"])

    # Sections that carry something: everything reachable in the normal walk, plus the feeder
    # heads and both sides of every device.
    model.sections = sorted(
        set(depth) | {d["section_a"] for d in devices} | {d["section_b"] for d in devices}
    )
    served = set(model.sections)
    lv_section = {
        island: section_of[bus] for island, (_, bus) in dp_of_island.items() if bus in section_of
    }
    for line in raw.lines:
        ends = [place(line.bus1), place(line.bus2)]
        if ends[0][0] is None or ends[1][0] is None:
            continue
        section = section_of.get(line.bus1) or lv_section.get(island_of.get(line.bus1))
        if section is None:
            section = section_of.get(line.bus2) or lv_section.get(island_of.get(line.bus2))
        if section in served:
            model.lines.append(
                {"code": line.name, "section": section, "coordinates": [list(e) for e in ends]}
            )
    return model
