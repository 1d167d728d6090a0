"""What a storm needs of the network: substations, feeders, DPs and, on demand, the meters of
chosen DPs — read from the grid CSVs or from the database."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(slots=True)
class GridMeter:
    number: str
    meter_type: str
    customer: str
    dp: str
    lat: float | None
    lng: float | None
    asset_mrid: str = ""
    usage_point_mrid: str = ""
    onu_id: str = ""
    onu_serial: str = ""
    phone: str = ""
    address: str = ""

    @property
    def channel(self) -> str | None:
        """How the meter reports power loss: through its ONU, its KAIFA head-end, or not at all."""
        if self.onu_id:
            return "onu"
        if self.asset_mrid or self.usage_point_mrid:
            return "kaifa"
        return None


class GridView:
    """The topology of a grid (small) and, on demand, the meters of chosen DPs (large)."""

    def __init__(self, substations, feeders, dps, meter_loader):
        self.substations: dict[str, tuple[float | None, float | None]] = substations
        self.feeders: dict[str, tuple[str, float | None, float | None]] = feeders
        self.dps: dict[str, str] = dps  # dp code -> feeder code
        self.feeder_dps: dict[str, list[str]] = defaultdict(list)
        for dp, feeder in sorted(dps.items()):
            self.feeder_dps[feeder].append(dp)
        self._meter_loader = meter_loader
        self.meters: dict[str, list[GridMeter]] = {}  # dp code -> its meters (loaded DPs only)

    def load_meters(self, dp_codes: Iterable[str]) -> None:
        wanted = {dp for dp in dp_codes if dp not in self.meters}
        if wanted:
            for dp in wanted:
                self.meters[dp] = []
            for meter in self._meter_loader(wanted):
                self.meters[meter.dp].append(meter)

    @classmethod
    def from_csv(cls, directory: str | Path) -> GridView:
        directory = Path(directory)

        def rows(name):
            with (directory / name).open(newline="", encoding="utf-8-sig") as handle:
                yield from csv.DictReader(handle)

        def num(value):
            return float(value) if value else None

        substations = {
            r["substation_id"]: (num(r.get("location_lat")), num(r.get("location_lng")))
            for r in rows("substations.csv")
        }
        feeders = {
            r["feeder_id"]: (
                r["substation_id"],
                num(r.get("location_lat")),
                num(r.get("location_lng")),
            )
            for r in rows("feeders.csv")
        }
        dps = {r["dp_id"]: r["feeder_id"] for r in rows("distribution_points.csv")}

        def load(wanted: set[str]) -> list[GridMeter]:
            meters = []
            for r in rows("meters.csv"):
                if r["dp_id"] in wanted:
                    meters.append(
                        GridMeter(
                            r["meter_number"],
                            r["meter_type"] or "smart",
                            r["customer_id"],
                            r["dp_id"],
                            num(r["location_lat"]),
                            num(r["location_lng"]),
                            r["asset_mrid"],
                            r["usage_point_mrid"],
                            r["onu_id"],
                            r["onu_serial_no"],
                        )
                    )
            customers = {m.customer for m in meters}
            contacts = {}
            for r in rows("customers.csv"):
                if r["customer_id"] in customers:
                    contacts[r["customer_id"]] = (r["phone"], r["address"])
            for m in meters:
                m.phone, m.address = contacts.get(m.customer, ("", ""))
            return meters

        return cls(substations, feeders, dps, load)

    @classmethod
    def from_db(cls, using: str = "default") -> GridView:
        """The grid as the registry holds it (active devices and meters)."""
        from django.db import connections

        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substation_id, location_lat, location_lng FROM network_substations"
            )
            substations = {c: (_f(lat), _f(lng)) for c, lat, lng in cursor.fetchall()}
            cursor.execute(
                "SELECT f.feeder_id, s.substation_id, f.location_lat, f.location_lng "
                "FROM network_feeders f JOIN network_substations s ON s.id = f.substation_id"
            )
            feeders = {c: (s, _f(lat), _f(lng)) for c, s, lat, lng in cursor.fetchall()}
            cursor.execute(
                "SELECT d.dp_id, f.feeder_id FROM network_distribution_points d "
                "JOIN network_feeders f ON f.id = d.feeder_id"
            )
            dps = dict(cursor.fetchall())

        def load(wanted: set[str]) -> list[GridMeter]:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT m.meter_number, m.meter_type, coalesce(c.customer_id, ''), d.dp_id,
                           m.location_lat, m.location_lng, coalesce(m.asset_mrid, ''),
                           coalesce(m.usage_point_mrid, ''), coalesce(m.onu_id, ''),
                           coalesce(m.onu_serial_no, ''), coalesce(c.phone, ''),
                           coalesce(c.address, '')
                    FROM oms_meters m
                    JOIN network_distribution_points d ON d.id = m.dp_id
                    LEFT JOIN oms_customers c ON c.id = m.customer_id
                    WHERE d.dp_id = ANY(%s) AND m.status = 'active'
                    ORDER BY m.meter_number
                    """,
                    [sorted(wanted)],
                )
                return [
                    GridMeter(n, t, c, d, _f(lat), _f(lng), a, u, o, s, p, addr)
                    for n, t, c, d, lat, lng, a, u, o, s, p, addr in cursor.fetchall()
                ]

        return cls(substations, feeders, dps, load)


def _f(value) -> float | None:
    return None if value is None else float(value)
