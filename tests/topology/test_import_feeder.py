"""`import_feeder opendss`: the four public feeder models of ../shared/fixtures/feeders import in
one command each, and what they become is checked against counts made here, independently of
the importer, from opendssdirect's own view of each model."""

import os
import re
import shutil
from pathlib import Path

import networkx as nx
import opendssdirect as dss
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import missing

REPO = Path(__file__).resolve().parents[2]
FEEDERS = Path(os.environ.get("OMS_FEEDER_FIXTURES", REPO.parent / "shared/fixtures/feeders"))


@pytest.fixture(autouse=True)
def feeder_fixtures():
    """Skips without the feeder fixtures; fails under CI=true (tests/conftest.py's `missing`)."""
    if not FEEDERS.is_dir():
        missing(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")


MODELS = {
    "ieee123": ("ieee123/IEEE123Master.dss", []),
    "ieee8500": ("ieee8500/Master.dss", ["ieee8500/Run_RecloserSiting.DSS", "ieee8500/Fuses.DSS"]),
    "ckt24": ("epri-ckt24/master_ckt24.dss", []),
    "source": ("ieee9500/ieee9500_base.dss", []),  # IEEE 9500's circuit is named "source"
}


def import_model(name, *extra, prefix=""):
    master, redirects = MODELS[name]
    arguments = ["opendss", str(FEEDERS / master)]
    for redirect in redirects:
        arguments += ["--redirect", str(FEEDERS / redirect)]
    if prefix:
        arguments += ["--prefix", prefix]
    call_command("import_feeder", *arguments, *extra)


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def scalar(sql, params=()):
    return rows(sql, params)[0][0]


def model_counts():
    return {
        table: scalar(f"SELECT count(*) FROM {table}")
        for table in (
            "network_substations", "network_feeders", "network_sections", "network_devices",
            "network_distribution_points", "network_lines", "oms_customers", "oms_meters",
        )
    }  # fmt: skip


class Reference:
    """The model as opendssdirect sees it, compiled here from a copy of its folder."""

    def __init__(self, name, tmp_path):
        master, redirects = MODELS[name]
        folder = tmp_path / "reference"
        shutil.copytree((FEEDERS / master).parent, folder)
        if name == "ieee8500":  # Run_RecloserSiting.DSS compiles "master.dss" (Windows)
            (folder / "master.dss").symlink_to("Master.dss")
        cwd = os.getcwd()
        try:
            dss.Text.Command("clear")
            dss.Text.Command(f'compile "{folder / Path(master).name}"')
            for redirect in redirects:
                try:
                    dss.Text.Command(f'redirect "{folder / Path(redirect).name}"')
                except Exception as exc:  # Run_RecloserSiting names a study file not shipped
                    assert "TplxFaultrate" in str(exc)
            self.read()
        finally:
            os.chdir(cwd)

    @staticmethod
    def bus(terminal):
        return terminal.split(".")[0].lower()

    def read(self):
        self.loads = {}
        index = dss.Loads.First()
        while index:
            self.loads[dss.Loads.Name().lower()] = self.bus(dss.CktElement.BusNames()[0])
            index = dss.Loads.Next()
        self.fuse_lines = {}
        index = dss.Fuses.First()
        while index:
            self.fuse_lines[dss.Fuses.Name().lower()] = dss.Fuses.MonitoredObj().lower()[5:]
            index = dss.Fuses.Next()
        self.relays = dss.Relays.Count()
        self.graph = nx.MultiGraph()
        self.switches, self.open_switches = set(), set()
        phases = {}
        kv = {}
        for bus in dss.Circuit.AllBusNames():
            dss.Circuit.SetActiveBus(bus)
            kv[bus.lower()] = dss.Bus.kVBase()
        dss.Circuit.SetActiveClass("Line")
        names = [name.lower() for name in dss.ActiveClass.AllNames()]
        for name in names:
            dss.Circuit.SetActiveElement(f"Line.{name}")
            enabled = dss.CktElement.Enabled()
            a, b = (self.bus(t) for t in dss.CktElement.BusNames())
            dss.Lines.Name(name)
            # Switches on the distribution primary: one end between 1 and 25 kV to neutral,
            # neither a secondary (OpenDSS's estimated base of a bus behind a tie can be off).
            levels = [kv.get(a, 0), kv.get(b, 0)]
            primary = any(1 < v < 25 for v in levels) and not any(0 < v < 1 for v in levels)
            if dss.Lines.IsSwitch() and primary:
                self.switches.add(name)
                if not enabled or dss.CktElement.IsOpen(1, 0) or dss.CktElement.IsOpen(2, 0):
                    self.open_switches.add(name)
            if enabled:
                self.graph.add_edge(a, b, key=name)
                phases[name] = (a, b, dss.Lines.Phases(), 1 < kv[a] < 25 and 1 < kv[b] < 25)
        for kind in ("Transformer", "Reactor"):
            dss.Circuit.SetActiveClass(kind)
            for name in dss.ActiveClass.AllNames():
                dss.Circuit.SetActiveElement(f"{kind}.{name}")
                nx.add_path(self.graph, [self.bus(t) for t in dss.CktElement.BusNames()])
        # IEEE 123's ties: a switch line ending on a bus nothing else touches (`300_OPEN`).
        for name in self.switches - self.open_switches:
            ends = next((a, b) for a, b, key in self.graph.edges(keys=True) if key == name)
            if any(self.graph.degree(end) == 1 and end.endswith("_open") for end in ends):
                self.open_switches.add(name)
        # Lateral taps: a primary one- or two-phase line with one end on a three-phase line.
        three = {x for a, b, n, _ in phases.values() if n >= 3 for x in (a, b)}
        self.taps = {
            name
            for name, (a, b, n, primary) in phases.items()
            if n < 3 and primary and (a in three) != (b in three)
        }
        # Taps into one lateral (e.g. two phases tapped by two single-phase lines) go together.
        cut = self.graph.copy()
        cut.remove_edges_from([e for e in cut.edges(keys=True) if e[2] in self.taps])
        lateral_of = {}
        for tap in self.taps:
            a, b, _, _ = phases[tap]
            lateral_of[tap] = min(nx.node_connected_component(cut, b if a in three else a))
        self.tap_groups = {}
        for tap, lateral in lateral_of.items():
            self.tap_groups.setdefault(lateral, set()).add(tap)
        dss.Vsources.First()
        self.source = self.bus(dss.CktElement.BusNames()[0])
        dss.Text.Command("clear")

    def customers_below(self, *lines):
        """Loads cut off from the source when `lines` are removed (with the open ties open)."""
        graph = self.graph.copy()
        graph.remove_edges_from([(a, b, k) for a, b, k in graph.edges(keys=True) if k in lines])
        graph.remove_edges_from(
            [(a, b, k) for a, b, k in graph.edges(keys=True) if k in self.open_switches]
        )
        fed = nx.node_connected_component(graph, self.source)
        return sum(1 for bus in self.loads.values() if bus not in fed)


def imported_switches(model):
    """Switch devices of the model plus the feeder heads that are switch lines."""
    devices = rows(
        """SELECT d.code, d.normal_state FROM network_devices d
             JOIN network_sections c ON c.id = d.section_a_id
             JOIN network_feeders f ON f.id = c.feeder_id
             JOIN network_substations s ON s.id = f.substation_id
            WHERE d.kind = 'switch' AND s.feeder_model = %s""",
        [model],
    )
    heads = rows(
        """SELECT f.feeder_id FROM network_feeders f
             JOIN network_substations s ON s.id = f.substation_id WHERE s.feeder_model = %s""",
        [model],
    )
    return {code: state for code, state in devices}, {code for (code,) in heads}


@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_imports_in_one_command_as_the_model_says(db, tmp_path, name):
    reference = Reference(name, tmp_path)

    import_model(name)

    meters = rows(
        """SELECT m.meter_number, m.feeder_id, c.energized, m.customer_id IS NOT NULL
             FROM oms_meters m
             JOIN network_distribution_points d ON d.id = m.dp_id
             JOIN network_sections c ON c.id = d.section_id
            WHERE m.status = 'active'"""
    )
    assert sorted(m[0] for m in meters) == sorted(reference.loads)
    assert scalar("SELECT count(*) FROM oms_customers") == len(reference.loads)
    # Every meter is fed, with the ties open as the model leaves them.
    assert all(feeder is not None and energized for _, feeder, energized, _ in meters)
    assert all(has_customer for *_, has_customer in meters)

    switches, heads = imported_switches(name)
    assert set(switches) | (heads & reference.switches) == reference.switches
    assert {code for code, state in switches.items() if state == "open"} == (
        reference.open_switches
    )
    fuses = rows("SELECT code, name LIKE 'lateral %%' FROM network_devices WHERE kind = 'fuse'")
    assert {code for code, inferred in fuses if not inferred} == set(reference.fuse_lines)
    if reference.fuse_lines or reference.switches:  # laterals are inferred only without any
        assert not any(inferred for _, inferred in fuses)
    # Every line with coordinates at both ends is kept for the map.
    assert scalar("SELECT count(*) FROM network_lines") > 0 or name == "ieee123"


def test_ieee8500_every_fuse_feeds_the_customers_the_model_puts_below_it(db, tmp_path):
    reference = Reference("ieee8500", tmp_path)
    assert len(reference.fuse_lines) == 30 and reference.relays == 1

    import_model("ieee8500")

    downstream = dict(
        rows(
            """SELECT d.code, count(m.id) FROM network_devices d
                 JOIN network_sections c ON d.id = ANY (c.path)
                 JOIN network_distribution_points p ON p.section_id = c.id
                 JOIN oms_meters m ON m.dp_id = p.id AND m.status = 'active'
                WHERE d.kind = 'fuse' GROUP BY d.code"""
        )
    )
    expected = {
        fuse: reference.customers_below(line) for fuse, line in reference.fuse_lines.items()
    }
    assert {fuse: downstream.get(fuse, 0) for fuse in expected} == expected
    assert sum(expected.values()) > 0
    # The substation relay becomes a device at its line, feeding every customer.
    (relay,) = rows("SELECT code FROM network_devices WHERE kind = 'recloser'")
    assert relay == ("subbreaker",)


def test_ckt24_without_protective_devices_gets_a_fuse_inferred_on_each_lateral(db, tmp_path):
    reference = Reference("ckt24", tmp_path)
    assert not reference.fuse_lines and not reference.switches and len(reference.taps) > 50

    import_model("ckt24")

    downstream = dict(
        rows(
            """SELECT d.code, count(m.id) FROM network_devices d
                 JOIN network_sections c ON d.id = ANY (c.path)
                 JOIN network_distribution_points p ON p.section_id = c.id
                 JOIN oms_meters m ON m.dp_id = p.id AND m.status = 'active'
                WHERE d.kind = 'fuse' AND d.name LIKE 'lateral %%' GROUP BY d.code"""
        )
    )
    laterals = {code for (code,) in rows("SELECT code FROM network_devices WHERE kind = 'fuse'")}
    assert laterals == reference.taps
    # What each lateral feeds (through one of its taps when several tap it) is what the model
    # cuts off when its taps are removed.
    expected = {
        lateral: reference.customers_below(*taps) for lateral, taps in reference.tap_groups.items()
    }
    found = {
        lateral: sum(downstream.get(tap, 0) for tap in taps)
        for lateral, taps in reference.tap_groups.items()
    }
    assert found == expected and sum(expected.values()) > 1000


def snapshot():
    return {
        table: rows(f"SELECT * FROM {table} ORDER BY 1")
        for table in (
            "network_substations", "network_feeders", "network_sections", "network_devices",
            "network_distribution_points", "network_lines", "oms_customers", "oms_meters",
            "network_feeder_meters", "network_substation_meters",
        )
    }  # fmt: skip


def add_history(meter_number):
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO oms_meter_status_events
                   (meter_id, event_type, previous_status, new_status, source_type,
                    source_event_id, event_timestamp, applied, metadata, created_at)
               SELECT id, 'power_off', 'on', 'off', 'kaifa', 'test-1', now(), true, '{}', now()
                 FROM oms_meters WHERE meter_number = %s""",
            [meter_number],
        )


def test_reimport_changes_nothing_and_keeps_history(db):
    import_model("source")
    add_history(scalar("SELECT min(meter_number) FROM oms_meters"))
    before = snapshot()

    import_model("source")

    assert snapshot() == before
    assert scalar("SELECT count(*) FROM oms_meter_status_events") == 1


def test_reimport_updates_moved_added_and_retired_elements(db, tmp_path):
    import_model("ieee123")
    add_history("s1a")
    old_dp = scalar(
        "SELECT d.dp_id FROM oms_meters m JOIN network_distribution_points d ON d.id = m.dp_id"
        " WHERE m.meter_number = 's2b'"
    )
    changes = tmp_path / "changes.dss"
    changes.write_text(
        "New Load.S48x Bus1=48.1 Phases=1 Conn=Wye Model=1 kV=2.4 kW=20 kvar=10\n"
        "Edit Load.S2b Bus1=76.2\n"
        "Disable Load.S1a\n"
    )

    import_model("ieee123", "--redirect", str(changes))

    status = dict(rows("SELECT meter_number, status FROM oms_meters"))
    assert status["s48x"] == "active" and status["s1a"] == "inactive"
    assert scalar("SELECT status FROM oms_customers WHERE customer_id = 's1a'") == "inactive"
    moved = rows(
        "SELECT d.dp_id, m.feeder_id IS NOT NULL FROM oms_meters m"
        " JOIN network_distribution_points d ON d.id = m.dp_id WHERE m.meter_number = 's2b'"
    )
    assert moved == [("76", True)] and old_dp == "2"
    assert scalar("SELECT status FROM network_distribution_points WHERE dp_id = '2'") == (
        "inactive"
    )
    assert scalar("SELECT count(*) FROM oms_meter_status_events") == 1  # history kept


def test_reimport_without_the_fuses_retires_them_and_the_sections_they_made(db):
    import_model("ieee8500")
    sections = scalar("SELECT count(*) FROM network_sections")
    master, (relay_file, _) = MODELS["ieee8500"]

    call_command(
        "import_feeder", "opendss", str(FEEDERS / master), "--redirect", str(FEEDERS / relay_file)
    )

    assert scalar("SELECT count(*) FROM network_devices WHERE kind = 'fuse'") == 0
    assert scalar("SELECT count(*) FROM network_sections") < sections
    fed = rows(
        """SELECT count(*), count(*) FILTER (WHERE c.energized) FROM oms_meters m
             JOIN network_distribution_points d ON d.id = m.dp_id
             JOIN network_sections c ON c.id = d.section_id WHERE m.status = 'active'"""
    )
    assert fed == [(1177, 1177)]


def test_models_whose_codes_collide_are_refused_unless_prefixed(db):
    import_model("ieee8500")
    before = model_counts()

    with pytest.raises(CommandError, match=r"already used by another model.*--prefix") as error:
        import_model("source")

    message = str(error.value)
    assert "hvmv69s1b2_sw" not in message  # only codes that collide are named
    assert re.search(r"meter: 1,\d{3} \(", message), message
    assert model_counts() == before

    import_model("source", prefix="ieee9500:")
    assert scalar("SELECT count(*) FROM oms_meters WHERE meter_number LIKE 'ieee9500:%%'") == 1275
    assert scalar("SELECT count(*) FROM oms_meters WHERE status = 'active'") == 1177 + 1275


def test_a_model_that_does_not_compile_is_refused_with_opendss_message(db, tmp_path):
    master = tmp_path / "master.dss"
    master.write_text(
        "Clear\nNew Circuit.broken basekv=12.47 bus1=src\n"
        "New Line.l1 bus1=src bus2=n1 linecode=no_such_code length=1\n"
        "New Load.l1 bus1=n1 kV=12.47 kW=10\n"
    )
    with pytest.raises(CommandError, match=r"master\.dss: OpenDSS: .*no_such_code"):
        call_command("import_feeder", "opendss", str(master))
    assert set(model_counts().values()) == {0}


def test_a_redirect_that_does_not_exist_is_refused_and_nothing_written(db, tmp_path):
    with pytest.raises(CommandError, match=r"nothing\.dss: no such file"):
        import_model("ieee123", "--redirect", str(tmp_path / "nothing.dss"))
    assert set(model_counts().values()) == {0}


def test_a_prefix_that_makes_codes_too_long_is_refused_naming_them(db):
    with pytest.raises(CommandError, match=r"code\(s\) too long: substation 'x{45}ieee123'"):
        import_model("ieee123", prefix="x" * 45)
    assert set(model_counts().values()) == {0}


def test_ieee123_gets_its_bus_coordinates_from_buscoords(db):
    buscoords = FEEDERS / "ieee123/BusCoords.dat"
    import_model("ieee123", "--buscoords", str(buscoords), "--origin", "31.95,35.91")

    lines = scalar("SELECT count(*) FROM network_lines")
    assert lines > 100
    placed = scalar("SELECT count(*) FROM oms_meters WHERE abs(location_lat - 31.95) < 0.1")
    assert placed == 91
    with pytest.raises(CommandError, match=r"nowhere\.dat: no such file"):
        import_model("ieee123", "--buscoords", str(buscoords.with_name("nowhere.dat")))


def test_progress_is_printed(db, capsys):
    import_model("ieee123", "--origin", "31.95,35.91")
    out = capsys.readouterr().out
    assert "compiled ieee123" in out and "feeding derived" in out and "imported model" in out
