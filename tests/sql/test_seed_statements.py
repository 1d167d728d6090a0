"""Every SQL statement printed in the seed documents, run verbatim on the fixture grid.

The statements are extracted from tests/fixtures/seeds/*.txt (```sql blocks and `psql -c "…"`
lines) at test time, so the documents stay the source. Each one must be claimed by exactly one
check below, which runs it at the right point of one story and checks its answer.
"""

import json
import re
from pathlib import Path

import pytest
import sqlparse
from django.db import DatabaseError, connection, transaction
from psycopg import errors

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def seed_statements() -> list[str]:
    statements = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text()
        chunks = re.findall(r"```sql\n(.*?)```", text, re.S)
        chunks += re.findall(r'psql [^\n]*?-c "(.*?)"', text, re.S)
        for chunk in chunks:
            for statement in sqlparse.split(chunk):
                code = sqlparse.format(statement, strip_comments=True).strip()
                if code:
                    statements.append(code)
    return statements


def normalized(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";").lower()


def run(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("%", "%%"))
        if cursor.description is None:
            return []
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class Statements:
    """Hands out the seed statements by a distinctive fragment; each must be used."""

    def __init__(self):
        self.pending = seed_statements()

    def take(self, *fragments: str) -> list[str]:
        found = [s for s in self.pending if all(f.lower() in normalized(s) for f in fragments)]
        assert found, f"no seed statement contains {fragments}"
        for statement in found:
            self.pending.remove(statement)
        return found

    def one(self, *fragments: str) -> str:
        (statement, *same) = self.take(*fragments)
        assert all(normalized(s) == normalized(statement) for s in same), same
        return statement


def scada_now(feeder: str, substation: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT insert_scada_event_with_meter_check(%s::jsonb)",
            [
                json.dumps(
                    {
                        "eventType": "MV_AlarmLossOfVoltage",
                        "alarmType": "De-energized",
                        "substationId": substation,
                        "feederId": feeder,
                        "timestamp": "now",
                    }
                )
            ],
        )
        return json.loads(cursor.fetchone()[0])


def test_every_seed_statement_runs_and_answers_right(grid):
    seed = Statements()

    # The registry as the validation query sees it.
    (summary,) = run(seed.one("count(case when onu_id is not null then 1 end) as from_onu"))
    assert summary == {
        "total_meters": 120,
        "from_onu": 40,
        "from_kaifa": 42,
        "linked_to_substation": 120,
        "linked_to_customer": 120,
    }
    assert run(seed.one("select count(*) as total_meters from oms_meters")) == [
        {"total_meters": 120}
    ]
    by_substation = run(seed.one("get_meters_by_substation('ss001')"))
    assert len(by_substation) == 80
    assert {row["power_status"] for row in by_substation} == {"unknown"}
    by_feeder = run(seed.one("get_meters_by_feeder('fd002')"))
    assert [row["meter_number"] for row in by_feeder] == [f"M400000{n}" for n in range(41, 81)]
    assert by_feeder[0]["customer_id"] == "CUST_00000041"

    # `\df insert_scada_event_with_meter_check` is a psql command: the function exists.
    seed.take("\\df insert_scada_event_with_meter_check")
    assert run("SELECT 1 AS ok FROM pg_proc WHERE proname = 'insert_scada_event_with_meter_check'")

    substations = {
        row["substation_id"]: row
        for row in run(seed.one("network_substations_with_meters limit 5"))
    }
    assert substations["SS001"]["total_meters"] == 80
    assert substations["SS001"]["unknown_meters"] == 80

    # Test steps: a legacy breaker trip on FD001.
    (answer,) = run(seed.one("insert_scada_event_with_meter_check", '"feederid": "fd001"'))
    answer = json.loads(answer["insert_scada_event_with_meter_check"])
    assert (answer["total_meters"], answer["offline_meters"], answer["status"]) == (
        40,
        40,
        "processed",
    )
    (outage,) = run(seed.one("from oms_outage_events where root_cause like '%ss001%'"))
    assert outage["root_cause"] == "SCADA Event: SS001 / FD001"
    assert (outage["scope"], outage["affected_customers_count"]) == ("feeder", 40)
    assert run(seed.one("select count(*) from scada_event_affected_meters")) == [{"count": 40}]
    statuses = run(seed.one("select power_status, count(*) from oms_meters"))
    assert {row["power_status"]: row["count"] for row in statuses} == {"off": 40, "unknown": 40}

    # The README's example trips FD002: 40 meters, 39 customers (CUST_00000041 has two).
    (answer,) = run(seed.one("insert_scada_event_with_meter_check", '"feederid": "fd002"'))
    answer = json.loads(answer["insert_scada_event_with_meter_check"])
    assert answer["offline_meters"] == 40
    fd002_outage = answer["outage_event_id"]

    # process_scada_event_meters with a key no stored event has: more evidence at FD002, which
    # joins the outage standing there instead of opening a second one.
    (checked,) = run(seed.one("process_scada_event_meters("))
    assert {k: checked[k] for k in ("total_meters", "offline_meters", "online_meters")} == {
        "total_meters": 40,
        "offline_meters": 40,
        "online_meters": 0,
    }
    assert run(
        f"SELECT event_id FROM oms_outage_events WHERE id = {checked['outage_event_id']}"
    ) == [{"event_id": fd002_outage}]

    # update_meter_status on a meter the registry does not know: a clear error.
    unknown_meter = seed.one("update_meter_status(")
    with (
        pytest.raises(DatabaseError, match="unknown meter: M12345678") as raised,
        transaction.atomic(),
    ):
        run(unknown_meter)
    assert isinstance(raised.value.__cause__, errors.NoDataFound)

    assert run(seed.one("oms_meters_with_topology where meter_number = 'm12345678'")) == []
    off_meters = run(seed.one("oms_meters_with_topology where power_status = 'off'"))
    assert len(off_meters) == 80
    first = next(row for row in off_meters if row["meter_number"] == "M40000001")
    assert (first["substation_id"], first["feeder_id"], first["dp_id"], first["customer_id"]) == (
        "SS001",
        "FD001",
        "DP001",
        "CUST_00000001",
    )
    for statement in seed.take("select * from network_substations_with_meters"):
        rows = {row["substation_id"]: row for row in run(statement)}
        assert (rows["SS001"]["offline_meters"], rows["SS002"]["unknown_meters"]) == (80, 40)

    for statement in seed.take("select * from oms_active_outages"):
        active = {row["feeder_name"]: row for row in run(statement)}
        assert set(active) == {"Sweileh North 11kV", "Sweileh South 11kV"}
        south = active["Sweileh South 11kV"]
        assert (south["source_count"], south["source_types"]) == (2, ["scada"])
        assert (south["affected_customers_count"], south["confidence_score"]) == (39, 1)

    offline = run(seed.one("join network_substation_meters nsm"))
    assert len(offline) == 80
    assert offline[0]["substation_name"] == "Sweileh"
    assert {row["customer_phone"] for row in offline} >= {"+962-7-5550123"}

    # The "last 24 hours" reports need an event of today: FD003 loses voltage now.
    scada_now("FD003", "SS002")
    for statement in seed.take("se.event_timestamp >= now() - interval '24 hours'"):
        (row,) = run(statement)
        assert (row["substation_id"], row["affected_meter_count"]) == ("SS002", 40)
        assert row["affected_customers_count"] == 40

    (row,) = run(seed.one("se.event_timestamp >= now() - interval '1 hour'"))
    assert (row["substation_id"], row["affected_meter_count"]) == ("SS002", 40)
    assert row["outage_event_id"].startswith("OMS-")

    # The history of an unknown meter is empty.
    for statement in seed.take("meter_number = 'm12345678'"):
        assert run(statement) == []

    assert seed.pending == [], "seed statements nobody checked"
