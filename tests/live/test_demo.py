"""`oms demo`'s steps on the test database: the grid, the login, and a storm played from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db


def test_demo_loads_a_grid_of_a_few_thousand_meters_once(capsys):
    from meters.models import Meter
    from oms.demo import load_demo_grid

    load_demo_grid()
    assert 2000 <= Meter.objects.count() <= 5000
    assert not Meter.objects.exclude(power_status="on").exists()  # the demo starts energized
    load_demo_grid()  # a second start keeps what is there
    assert "already loaded" in capsys.readouterr().out


def test_demo_login_can_operate_is_kept_across_starts_and_feeds_hold_ingest_scopes(
    monkeypatch, tmp_path
):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from oms.demo import FEED_TOKEN, OPERATOR, create_logins
    from oms.models import ApiToken
    from oms.tokens import user_has_scope

    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path))
    password, key = create_logins()
    # django-axes needs the request a login comes with.
    login = RequestFactory().post("/accounts/login/")
    user = authenticate(login, username=OPERATOR, password=password)
    assert user is not None and user_has_scope(user, "operate")
    feeds = ApiToken.objects.get(name=FEED_TOKEN)
    assert {"ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center"} <= set(feeds.scopes)
    assert key
    assert (tmp_path / "demo-operator-password").stat().st_mode & 0o077 == 0  # owner only
    assert create_logins()[0] == password  # the next start keeps it
    renewed = create_logins(reset_password=True)[0]
    assert renewed != password
    user.refresh_from_db()
    assert not user.check_password(password) and user.check_password(renewed)


def test_demo_storms_start_now_and_never_run_ahead_of_the_clock():
    from oms.demo import StormPlayer, load_demo_grid

    load_demo_grid()
    player = StormPlayer("http://127.0.0.1:9", "key", minutes=2, pause=1, seed=5)
    before = datetime.now(UTC)
    storm = player.build(5)
    first = storm.start + timedelta(seconds=storm.emissions[0].arrival)
    assert abs((first - before).total_seconds()) < 30  # the dashboard moves within seconds
    providers = {e.provider for e in storm.emissions}
    assert {"scada", "onu", "kaifa"} <= providers
    assert all(e.event_time <= e.arrival for e in storm.emissions)
    assert any(e.phase == 1 for e in storm.emissions)  # restorations follow


def test_oms_demo_takes_its_options():
    from oms.demo import parse_args

    args = parse_args(["--port", "8123", "--no-storm"])
    assert args.port == 8123 and args.no_storm and args.host == "127.0.0.1"


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
