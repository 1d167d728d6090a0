"""Storm simulator: synthetic grids, storms with ground truth, a batch poster and a quality report.

Used by `bench/storm.py` (the storm benchmark), by `oms demo` (demo grid and live events) and by
the test suite's storms. Nothing here writes to the database except through the real import and
ingest paths; the quality report only reads. The public API is described in STORM-API.md terms
below; each module owns one concern:

- `grid`: `generate_grid` writes the five grid CSVs (and `devices.csv`) fast enough for a million
  meters.
- `network`: `GridView` reads back the part of a grid a storm needs, from the CSVs or the database.
- `faults`: `Fault`, `Emission`, `Storm` — the ground truth and the messages.
- `build`: `build_storm` injects faults at known devices and times and emits what the feeds would
  really send (SCADA trips and restorations, ONU and KAIFA last gasps and power-ups with repeats,
  late and out-of-order deliveries, call-center tickets), recording the ground truth.
- `feeds`: the payload each provider really sends for an emission.
- `posting`: `batches`/`post_storm` cut the arrival-ordered stream into per-provider ingest
  batches and send them (HTTP or any transport), timing them.
- `tree`: `NetworkView.from_db()` — the network as operated (sections, devices, DPs on sections)
  after an import; `operated` plays happenings on it (two layers: switching and protection).
- `scenario`: `build_network_storm` — faults at every device kind, nested, momentary operations,
  isolation and back-feed (`switching`); `noise`: `Noise` and the feeds' noise; `truth`: the
  ground truth from the network as operated at each moment.
- `evaluation`: `evaluate` compares what the engine settled on with the ground truth.
- `report`: `summary`, `shortfalls` and `format_report`: its figures, the targets missed, the
  table.
"""

from oms.storm.build import build_storm
from oms.storm.evaluation import (
    EngineOutage,
    OutageWatcher,
    Quality,
    evaluate,
    fetch_outages,
)
from oms.storm.faults import MOMENTARY, NESTED, SUSTAINED, Emission, Fault, Storm
from oms.storm.feeds import RENDERERS
from oms.storm.grid import GRID_FILES, GridSummary, generate_grid
from oms.storm.network import GridMeter, GridView
from oms.storm.noise import Noise
from oms.storm.posting import (
    Batch,
    PostResult,
    batches,
    endpoint,
    http_sender,
    post_storm,
    reset_event_state,
)
from oms.storm.report import format_report, noise_figures, shortfalls, summary
from oms.storm.scenario import build_network_storm
from oms.storm.tree import NetDevice, NetworkView

__all__ = [
    "GRID_FILES",
    "MOMENTARY",
    "NESTED",
    "RENDERERS",
    "SUSTAINED",
    "Batch",
    "Emission",
    "EngineOutage",
    "Fault",
    "GridMeter",
    "GridSummary",
    "GridView",
    "NetDevice",
    "NetworkView",
    "Noise",
    "OutageWatcher",
    "PostResult",
    "Quality",
    "Storm",
    "batches",
    "build_network_storm",
    "build_storm",
    "endpoint",
    "evaluate",
    "fetch_outages",
    "format_report",
    "generate_grid",
    "http_sender",
    "noise_figures",
    "post_storm",
    "reset_event_state",
    "shortfalls",
    "summary",
]
