"""The synthetic grid's devices: reclosers, sectionalizers, switches, fuses and normally-open
ties between feeders, between each feeder's head and its DPs (`generate_grid(devices=True)`).

Each feeder: head → switch `SW-<fd>` (closed) → recloser `RC-<fd>` (telemetered) →
sectionalizer `SC-<fd>`; its DPs in laterals of `lateral_dps`, each lateral behind a fuse
`FU-<fd>-<n>` hanging from the head switch (first half), the recloser (third quarter) or the
sectionalizer (last quarter); a tie switch `TI-<fd>`, normally open, between its
sectionalizer's section and the next feeder's (the far ends of two feeders). Written as
`devices.csv` (CONTRACT §10 "Grid CSV").
"""

from __future__ import annotations

from dataclasses import dataclass

DEVICES_HEADER = (
    "kind,code,name,parent_kind,parent_code,normal_state,telemetered,location_lat,location_lng,"
    "to_kind,to_code\n"
)


@dataclass
class FeederLayout:
    feeder: str
    dps: int
    lateral_dps: int = 20

    @property
    def laterals(self) -> int:
        return max(1, -(-self.dps // self.lateral_dps))

    def fuse_of(self, dp_index: int) -> str:
        """The fuse a feeder's `dp_index`-th DP (from 0) hangs below."""
        return f"FU-{self.feeder}-{dp_index // self.lateral_dps + 1}"

    def device_lines(self, name: str, lat: float, lng: float, next_feeder: str | None) -> list[str]:
        fd = self.feeder
        lines = [
            f"switch,SW-{fd},{name} head switch,feeder,{fd},closed,false,{lat:.6f},{lng:.6f},,\n",
            f"recloser,RC-{fd},{name} midline recloser,switch,SW-{fd},closed,true,"
            f"{lat + 0.001:.6f},{lng:.6f},,\n",
            f"sectionalizer,SC-{fd},{name} sectionalizer,recloser,RC-{fd},closed,false,"
            f"{lat + 0.002:.6f},{lng:.6f},,\n",
        ]
        for n in range(1, self.laterals + 1):
            share = (n - 1) / self.laterals
            if share < 0.5:
                parent = f"switch,SW-{fd}"
            elif share < 0.75:
                parent = f"recloser,RC-{fd}"
            else:
                parent = f"sectionalizer,SC-{fd}"
            lines.append(
                f"fuse,FU-{fd}-{n},{name} lateral {n} fuse,{parent},closed,false,"
                f"{lat + 0.0005 * n:.6f},{lng + 0.0005:.6f},,\n"
            )
        if next_feeder:
            lines.append(
                f"switch,TI-{fd},{name} tie to {next_feeder},sectionalizer,SC-{fd},open,true,"
                f"{lat + 0.003:.6f},{lng + 0.003:.6f},sectionalizer,SC-{next_feeder}\n"
            )
        return lines
