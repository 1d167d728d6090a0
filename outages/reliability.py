"""IEEE 1366 reliability indices for a period, counted per customer.

An interruption is one customer in one outage that started in the period (merged and
cancelled outages excluded: a merged outage's meters live on in the outage that absorbed it).
Its duration runs from the customer's first meter going off to its last meter coming back, so
partial restorations count per customer. Longer than `momentary_max_minutes` (default 5) is
sustained; otherwise momentary. Interruptions still open count in SAIFI but not in SAIDI
(their duration is not known yet).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection

SQL = """
WITH threshold AS (
    SELECT outages_rule('momentary_max_minutes', 5) * interval '1 minute' AS momentary
),
interruptions AS (
    SELECT o.id, m.customer_id, min(om.off_at) AS off_at,
           CASE WHEN bool_and(om.restored_at IS NOT NULL) THEN max(om.restored_at) END AS back_at
      FROM oms_outage_events o
      JOIN oms_outage_meters om ON om.outage_event_id = o.id
      JOIN oms_meters m ON m.id = om.meter_id
     WHERE o.status NOT IN ('cancelled', 'merged')
       AND o.first_detected_at >= %(start)s AND o.first_detected_at < %(end)s
       AND m.customer_id IS NOT NULL
     GROUP BY o.id, m.customer_id
)
SELECT
    (SELECT count(*) FROM oms_customers WHERE status = 'active') AS customers_served,
    count(*) FILTER (WHERE back_at IS NULL OR back_at - off_at > t.momentary) AS sustained,
    count(*) FILTER (WHERE back_at - off_at <= t.momentary) AS momentary,
    coalesce(sum(extract(epoch FROM back_at - off_at) / 60)
             FILTER (WHERE back_at - off_at > t.momentary), 0) AS customer_minutes
  FROM interruptions CROSS JOIN threshold t
 GROUP BY t.momentary
"""


@dataclass
class Reliability:
    start: datetime
    end: datetime
    customers_served: int
    customer_interruptions: int
    momentary_customer_interruptions: int
    customer_minutes_interrupted: float
    saifi: float
    saidi: float
    caidi: float | None
    maifi: float

    def as_dict(self) -> dict:
        return asdict(self)


def reliability_indices(start: datetime, end: datetime) -> Reliability:
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"start": start, "end": end})
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT count(*) FROM oms_customers WHERE status = 'active'")
            row = (cursor.fetchone()[0], 0, 0, 0)
    served, sustained, momentary, minutes = int(row[0]), int(row[1]), int(row[2]), float(row[3])
    saifi = sustained / served if served else 0.0
    saidi = minutes / served if served else 0.0
    return Reliability(
        start=start,
        end=end,
        customers_served=served,
        customer_interruptions=sustained,
        momentary_customer_interruptions=momentary,
        customer_minutes_interrupted=round(minutes, 3),
        saifi=round(saifi, 6),
        saidi=round(saidi, 6),
        caidi=round(saidi / saifi, 6) if saifi else None,
        maifi=round(momentary / served, 6) if served else 0.0,
    )
