"""`oms demo`'s steps on the test database: the grid, the login, and a storm played from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db


def test_demo_loads_the_ieee8500_feeder_it_ships_once(capsys):
    """The package's own copy of IEEE 8500 (no fixtures folder needed): its fuses, its relay as
    a recloser, its switches and normally-open ties, a meter per load, all energized."""
    from meters.models import Meter
    from oms.demo_network import IEEE8500, load_network
    from topology.models import Device

    assert "Redistributions of source code must retain" in (IEEE8500 / "LICENSE").read_text()
    feeders = load_network("ieee8500")
    assert feeders == ["a8735_48332_sw"]
    assert Meter.objects.filter(feeder__feeder_id__in=feeders).count() == 1177
    assert not Meter.objects.exclude(power_status="on").exists()  # the demo starts energized
    kinds = {kind: Device.objects.filter(kind=kind) for kind in ("fuse", "recloser", "switch")}
    assert kinds["fuse"].count() == 30
    assert list(kinds["recloser"].values_list("code", "telemetered")) == [("subbreaker", True)]
    assert kinds["switch"].filter(normal_state="open").count() == 5  # the ties
    assert load_network("ieee8500") == feeders  # a second start keeps what is there
    assert "already loaded" in capsys.readouterr().out


def test_demo_plays_on_one_network_and_says_so_when_the_database_holds_another():
    from oms.demo_network import OtherNetwork, load_network

    load_network("synthetic")
    with pytest.raises(OtherNetwork, match="--network synthetic"):
        load_network("ieee8500")


def test_demo_loads_the_synthetic_grid_with_devices_on_request():
    from meters.models import Meter
    from oms.demo_network import load_network
    from topology.models import Device

    feeders = load_network("synthetic")
    assert len(feeders) == 6
    assert Meter.objects.count() == 2400
    for kind, count in (("recloser", 6), ("sectionalizer", 6), ("fuse", 48)):
        assert Device.objects.filter(kind=kind).count() == count, kind
    assert Device.objects.filter(kind="switch", normal_state="open").count() == 5  # ties


def test_demo_login_can_operate_is_kept_across_starts_and_feeds_hold_ingest_scopes(
    monkeypatch, tmp_path
):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from oms.demo import CREW_TOKEN, FEED_TOKEN, OPERATOR, create_logins
    from oms.models import ApiToken
    from oms.tokens import user_has_scope

    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path))
    password, key, crew = create_logins()
    # django-axes needs the request a login comes with.
    login = RequestFactory().post("/accounts/login/")
    user = authenticate(login, username=OPERATOR, password=password)
    assert user is not None and user_has_scope(user, "operate")
    feeds = ApiToken.objects.get(name=FEED_TOKEN)
    assert {"ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center"} <= set(feeds.scopes)
    assert key and crew
    assert ApiToken.objects.get(name=CREW_TOKEN).scopes == ["operate"]  # the crew switches
    assert (tmp_path / "demo-operator-password").stat().st_mode & 0o077 == 0  # owner only
    assert create_logins()[0] == password  # the next start keeps it
    renewed = create_logins(reset_password=True)[0]
    assert renewed != password
    user.refresh_from_db()
    assert not user.check_password(password) and user.check_password(renewed)


@pytest.mark.parametrize("network", ["ieee8500", "synthetic"])
def test_demo_storms_start_now_and_never_run_ahead_of_the_clock(network):
    """The simulator's storm on the demo's network, squeezed into minutes: faults at fuses and
    reclosers, the recloser's own SCADA status, a crew's back-feed through a tie and the way
    back to normal, all dated so the server takes them when they are sent."""
    from oms.demo import build_storm, storm_end
    from oms.demo_network import load_network
    from oms.demo_quality import back_fed

    load_network(network)
    before = datetime.now(UTC)
    storm = build_storm(5, 8.0, before)
    first = storm.start + timedelta(seconds=storm.emissions[0].arrival)
    assert abs((first - before).total_seconds()) < 30  # the dashboard moves within seconds
    assert 4 * 60 < storm_end(storm) < 16 * 60  # about the minutes asked for
    providers = {e.provider for e in storm.emissions}
    assert {"scada", "onu", "kaifa", "operate"} <= providers
    # Skewed meter clocks run at most 4 minutes ahead: within the 5 the server allows.
    assert all(e.event_time <= e.arrival + 240 for e in storm.emissions)
    assert any(e.phase == 1 for e in storm.emissions)  # restorations follow
    kinds = {(f.kind, f.scope) for f in storm.faults}
    assert {("sustained", "fuse"), ("sustained", "recloser")} <= kinds
    if network == "synthetic":  # IEEE 8500's one recloser is busy with its lockout
        assert ("momentary", "recloser") in kinds
    scada = [storm.render(e) for e in storm.emissions if e.provider == "scada"]
    # (a payload may come in the feed's Kafka envelope)
    assert {"LOCKOUT", "CLOSE"} <= {event.get("event", event)["alarmType"] for event in scada}
    # The crew back-feeds through a tie and puts every device it switched back as it was.
    crew = [(code, action) for _, _, code, action, source, _ in storm.switching
            if source == "operator"]  # fmt: skip
    assert back_fed(storm) > 0
    for code in {code for code, _ in crew}:
        actions = [action for c, action in crew if c == code]
        assert len(actions) % 2 == 0 and actions[0] != actions[-1], (code, actions)


def test_oms_demo_takes_its_options():
    from oms.demo import parse_args

    args = parse_args(["--port", "8123", "--no-storm"])
    assert args.port == 8123 and args.no_storm and args.host == "127.0.0.1"
    assert args.network == "ieee8500"
    assert parse_args(["--network", "synthetic"]).network == "synthetic"
    with pytest.raises(SystemExit):
        parse_args(["--storm-minutes", "3"])  # shorter than the demo's momentary line allows


def test_a_restart_restores_what_a_stopped_storm_left_active(grid):
    """A feeder trip and a last gasp elsewhere, never restored (the storm was stopped): the next
    start's SCADA restorations, dated now, restore both and every meter."""
    from meters.models import Meter
    from oms.demo_start import restore_leftovers
    from outages.models import Outage
    from tests.live.helpers import ingest, kaifa, scada

    trip = ingest("scada", scada("FD001", "SS001"))["outage_event_id"]
    gasp = ingest("kaifa", kaifa("M40000081", minutes=1))["events"][0]["outage_event_id"]
    assert Outage.objects.active().count() == 2
    assert Meter.objects.filter(power_status="off").exists()

    assert restore_leftovers() == 2
    assert Outage.objects.active().count() == 0
    statuses = dict(Outage.objects.values_list("event_id", "status"))
    assert statuses[trip] in ("restored", "momentary") and statuses[gasp] in (
        "restored",
        "momentary",
    )
    assert not Meter.objects.filter(power_status="off").exists()
    assert restore_leftovers() == 0  # nothing left: the next start has nothing to do
