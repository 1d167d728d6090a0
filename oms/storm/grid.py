"""Synthetic grids: the five grid CSVs (the columns of tests/fixtures/grid/) and, with `devices`,
`devices.csv`, written fast enough for a million meters.

The devices: each feeder's head → switch `SW-<fd>` (closed) → recloser `RC-<fd>` (telemetered) →
sectionalizer `SC-<fd>`; its DPs in three sections, below the head switch (first half), the
recloser (third quarter) and the sectionalizer (last quarter), each with some DPs on the main
line and the rest in laterals of about √(DPs per feeder) DPs, each behind a fuse `FU-<fd>-<n>`
(`FeederLayout`); a tie switch `TI-<fd>`, normally open, between its sectionalizer's section
and the next feeder's (the far ends of two feeders). CONTRACT §10 "Grid CSV".
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

AMMAN = (31.9539, 35.9106)
AREAS = [
    "Sweileh",
    "Jubaiha",
    "Abdoun",
    "Shmeisani",
    "Khalda",
    "Tla' Al-Ali",
    "Marka",
    "Sahab",
    "Wadi Al-Seer",
    "Abu Nseir",
    "Tabarbour",
    "Jabal Amman",
    "Al-Weibdeh",
    "Dabouq",
    "Al-Hashmi",
    "Naour",
    "Muwaqqar",
    "Quwaysimah",
    "Um Uthaina",
    "Rabieh",
    "Deir Ghbar",
    "Marj Al-Hamam",
    "Al-Yadudah",
    "Ain Al-Basha",
]
GRID_FILES = (
    "substations.csv",
    "feeders.csv",
    "distribution_points.csv",
    "customers.csv",
    "meters.csv",
)
FIRST_METER = 40_000_001
FIRST_ONU = 5_000_001

DEVICES_HEADER = (
    "kind,code,name,parent_kind,parent_code,normal_state,telemetered,location_lat,location_lng,"
    "to_kind,to_code\n"
)


# Where a feeder's DPs lie: the first half between its head switch and its recloser, the third
# quarter between the recloser and the sectionalizer, the last quarter beyond the sectionalizer.
SECTIONS = (("switch", "SW", 0.5), ("recloser", "RC", 0.75), ("sectionalizer", "SC", 1.0))
MAIN_LINE_SHARE = 0.15  # of a section's DPs: on the main line itself, behind no fuse


@dataclass
class FeederLayout:
    """A feeder's devices and where each of its `dps` DPs hangs, at every size: each section
    (head switch, recloser, sectionalizer: `SECTIONS`) has some DPs on the main line and the
    rest in fused laterals of about √dps DPs (4 on a 20-DP feeder, 14 on a 200-DP one), so the
    recloser has part of the feeder behind it and every feeder several fuses."""

    feeder: str
    dps: int

    def __post_init__(self) -> None:
        fd = self.feeder
        self.lateral_dps = max(2, round(math.sqrt(self.dps)))
        self.parents: list[tuple[str, str]] = []  # (kind, code) of each DP, in order
        self.fuses: list[tuple[str, str]] = []  # (code, parent "kind,code"), in order
        start = 0
        for kind, prefix, upto in SECTIONS:
            end = round(self.dps * upto)
            n = end - start
            start = end
            if n <= 0:
                continue
            device = f"{prefix}-{fd}"
            main = min(n, max(1, round(n * MAIN_LINE_SHARE)))
            self.parents += [(kind, device)] * main
            rest = n - main
            if rest <= 0:
                continue
            laterals = max(1, round(rest / self.lateral_dps))
            for i in range(laterals):
                code = f"FU-{fd}-{len(self.fuses) + 1}"
                self.fuses.append((code, f"{kind},{device}"))
                size = (rest * (i + 1)) // laterals - (rest * i) // laterals
                self.parents += [("fuse", code)] * size

    @property
    def laterals(self) -> int:
        return len(self.fuses)

    def parent_of(self, dp_index: int) -> tuple[str, str]:
        """The device (kind, code) a feeder's `dp_index`-th DP (from 0) hangs below."""
        return self.parents[dp_index]

    def device_lines(self, name: str, lat: float, lng: float, next_feeder: str | None) -> list[str]:
        fd = self.feeder
        lines = [
            f"switch,SW-{fd},{name} head switch,feeder,{fd},closed,false,{lat:.6f},{lng:.6f},,\n",
            f"recloser,RC-{fd},{name} midline recloser,switch,SW-{fd},closed,true,"
            f"{lat + 0.001:.6f},{lng:.6f},,\n",
            f"sectionalizer,SC-{fd},{name} sectionalizer,recloser,RC-{fd},closed,false,"
            f"{lat + 0.002:.6f},{lng:.6f},,\n",
        ]
        for n, (code, parent) in enumerate(self.fuses, 1):
            lines.append(
                f"fuse,{code},{name} lateral {n} fuse,{parent},closed,false,"
                f"{lat + 0.0005 * n:.6f},{lng + 0.0005:.6f},,\n"
            )
        if next_feeder:
            lines.append(
                f"switch,TI-{fd},{name} tie to {next_feeder},sectionalizer,SC-{fd},open,true,"
                f"{lat + 0.003:.6f},{lng + 0.003:.6f},sectionalizer,SC-{next_feeder}\n"
            )
        return lines


@dataclass
class GridSummary:
    directory: Path
    substations: int
    feeders: int
    dps: int
    meters: int
    customers: int
    onus: int
    meter_types: dict[str, int]
    seconds: float


def generate_grid(
    directory: str | Path,
    substations: int = 2,
    feeders_per_substation: int = 2,
    dps_per_feeder: int = 4,
    meters_per_dp: int = 25,
    seed: int = 1,
    *,
    kaifa_share: float = 0.45,
    onu_share: float = 0.50,
    shared_customer_share: float = 0.01,
    devices: bool = False,
) -> GridSummary:
    """Write substations/feeders/distribution_points/customers/meters CSVs for a regular grid.

    Meter mix: `kaifa_share` KAIFA meters (asset and usage-point mRIDs), `onu_share` smart meters
    behind a fibre ONU (two to four meters of one building per ONU), the rest meters without a
    communication channel (conventional or prepaid, the AMI's "final 5%"). One customer per
    meter, except `shared_customer_share` of meters that belong to the previous meter's customer.
    Coordinates: substations around Amman, each level clustered near its parent. With
    `devices`, also `devices.csv` (switches, reclosers, sectionalizers, fuses, ties between
    consecutive feeders; `FeederLayout`) and every DP below its lateral's fuse or on the main line.
    """
    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    width_ss = max(3, len(str(substations)))
    n_feeders = substations * feeders_per_substation
    width_fd = max(3, len(str(n_feeders)))
    width_dp = max(3, len(str(n_feeders * dps_per_feeder)))
    types: Counter = Counter()
    meter_n = FIRST_METER
    customer_n = 0
    onu_n = FIRST_ONU - 1
    dp_n = 0
    fd_n = 0

    with (
        (directory / "substations.csv").open("w", newline="") as ss_out,
        (directory / "feeders.csv").open("w", newline="") as fd_out,
        (directory / "distribution_points.csv").open("w", newline="") as dp_out,
        (directory / "customers.csv").open("w", newline="") as cu_out,
        (directory / "meters.csv").open("w", newline="") as me_out,
    ):
        ss_out.write("substation_id,name,location_lat,location_lng,region_code,voltage_level\n")
        fd_out.write("feeder_id,substation_id,name,location_lat,location_lng,capacity_kva\n")
        dev_out = (directory / "devices.csv").open("w", newline="") if devices else None
        if dev_out:
            dev_out.write(DEVICES_HEADER)
        dp_out.write(
            "dp_id,feeder_id,name,location_lat,location_lng,building_id"
            + (",parent_kind,parent_code\n" if devices else "\n")
        )
        cu_out.write("customer_id,phone,address,building_id,dp_id,location_lat,location_lng\n")
        me_out.write(
            "meter_number,meter_type,customer_id,dp_id,location_lat,location_lng,building_id,"
            "asset_mrid,usage_point_mrid,onu_id,onu_serial_no\n"
        )
        for s in range(1, substations + 1):
            ss = f"SS{s:0{width_ss}d}"
            area = AREAS[(s - 1) % len(AREAS)]
            ss_name = area if s <= len(AREAS) else f"{area} {(s - 1) // len(AREAS) + 1}"
            s_lat = AMMAN[0] + rng.uniform(-0.12, 0.12)
            s_lng = AMMAN[1] + rng.uniform(-0.15, 0.15)
            ss_out.write(f"{ss},{ss_name},{s_lat:.6f},{s_lng:.6f},AM,33kV\n")
            for f in range(1, feeders_per_substation + 1):
                fd_n += 1
                fd = f"FD{fd_n:0{width_fd}d}"
                f_lat = s_lat + rng.uniform(-0.02, 0.02)
                f_lng = s_lng + rng.uniform(-0.02, 0.02)
                fd_out.write(f"{fd},{ss},{ss_name} F{f} 11kV,{f_lat:.6f},{f_lng:.6f},8000\n")
                layout = FeederLayout(fd, dps_per_feeder)
                if dev_out:
                    following = f"FD{fd_n + 1:0{width_fd}d}" if fd_n < n_feeders else None
                    dev_out.writelines(
                        layout.device_lines(f"{ss_name} F{f}", f_lat, f_lng, following)
                    )
                dp_lines = []
                cu_lines = []
                me_lines = []
                for d in range(1, dps_per_feeder + 1):
                    dp_n += 1
                    dp = f"DP{dp_n:0{width_dp}d}"
                    bldg = f"BLDG_{dp_n:0{width_dp}d}"
                    d_lat = f_lat + rng.uniform(-0.006, 0.006)
                    d_lng = f_lng + rng.uniform(-0.006, 0.006)
                    parent = ",{},{}".format(*layout.parent_of(d - 1)) if dev_out else ""
                    dp_lines.append(
                        f"{dp},{fd},{ss_name} TX-{f}-{d},{d_lat:.6f},{d_lng:.6f},{bldg}{parent}\n"
                    )
                    onu_left = 0
                    onu = serial = ""
                    customer = ""
                    for _ in range(meters_per_dp):
                        lat = d_lat + rng.uniform(-0.0015, 0.0015)
                        lng = d_lng + rng.uniform(-0.0015, 0.0015)
                        if not customer or rng.random() >= shared_customer_share:
                            customer_n += 1
                            customer = f"CUST_{customer_n:08d}"
                            cu_lines.append(
                                f"{customer},+962-7-{5_000_000 + customer_n:07d},"
                                f'"Street {customer_n % 400 + 1}, {ss_name}, Amman",'
                                f"{bldg},{dp},{lat:.6f},{lng:.6f}\n"
                            )
                        r = rng.random()
                        number = f"M{meter_n:08d}"
                        if r < kaifa_share:
                            kind = "kaifa"
                            tail = f"KFM-{meter_n:08d},UP-{meter_n:08d},,"
                        elif r < kaifa_share + onu_share:
                            kind = "smart"
                            if onu_left == 0:
                                onu_n += 1
                                onu_left = rng.randint(2, 4)
                                onu = str(onu_n)
                                serial = f"48575443{onu_n:08X}"
                            onu_left -= 1
                            tail = f",,{onu},{serial}"
                        else:
                            no_channel = 1 - kaifa_share - onu_share
                            kind = "conventional" if r < 1 - no_channel * 0.3 else "prepaid"
                            tail = ",,,"
                        types[kind] += 1
                        me_lines.append(
                            f"{number},{kind},{customer},{dp},{lat:.6f},{lng:.6f},{bldg},{tail}\n"
                        )
                        meter_n += 1
                dp_out.writelines(dp_lines)
                cu_out.writelines(cu_lines)
                me_out.writelines(me_lines)
        if dev_out:
            dev_out.close()
    return GridSummary(
        directory=directory,
        substations=substations,
        feeders=fd_n,
        dps=dp_n,
        meters=meter_n - FIRST_METER,
        customers=customer_n,
        onus=onu_n - FIRST_ONU + 1,
        meter_types=dict(types),
        seconds=time.perf_counter() - started,
    )
