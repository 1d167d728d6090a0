"""`oms demo` end to end on its own network, one storm: the shipped IEEE 8500 feeder imported
as the demo does it, a storm played by the demo's player through a real Daphne's ingest and
switching endpoints (dated in the past and sent as fast as the server takes it, instead of in
real time), then the storm's figures — scored against the database, served at
/api/demo/storm/ — checked against the API's own outages and meters.

What the engine makes of the storm is what the figures say, right or wrong: the test checks the
figures are honest and the storm was played as planned, not that the engine predicts well."""

from __future__ import annotations

import json
import urllib.request

import pytest

from oms.storm.faults import MOMENTARY, PLANNED
from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)


def get(server, path, token):
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def demo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path))
    return tmp_path


def test_the_demo_imports_its_feeder_and_plays_a_storm_through_the_real_endpoints(demo_dir):
    from meters.models import Meter
    from oms.demo import StormPlayer, create_logins
    from oms.demo_network import load_network
    from oms.tokens import issue_token
    from topology.models import Device

    feeders = load_network("ieee8500")
    _, feed_token, crew_token = create_logins()
    reader = issue_token("demo-test-read", ["read"])
    normal = dict(Device.objects.values_list("code", "state"))
    server = DaphneServer("demo-storm", OMS_DATA_DIR=str(demo_dir)).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as none_yet:
            get(server, "/api/demo/storm/", reader)
        assert none_yet.value.code == 404
        player = StormPlayer(
            server.url, feed_token, crew_token, network="ieee8500", feeders=feeders,
            minutes=6.0, pause=0, seed=7,
        )  # fmt: skip
        figures = player.play(7, realtime=False)
        served = get(server, "/api/demo/storm/", reader)
        found = {
            f["found"]: get(server, f"/api/outages/{f['found']}/", reader)
            for f in figures["faults"]
            if f["found"]
        }
    finally:
        server.stop()
    assert player.poster.failed == 0, player.poster.switching

    # The crew's operations went through the switching API, under its name, and put the
    # network back; one closed a normally-open tie (the back-feed).
    switching = figures["switching"]
    assert switching and all("refused" not in s for s in switching), switching
    assert {s["operator"] for s in switching} == {"demo-crew"}
    assert any(s["to_state"] == "closed" and normal[s["device_code"]] == "open" for s in switching)
    assert dict(Device.objects.values_list("code", "state")) == normal
    assert figures["back_fed_meters"] > 0

    # The figures: kept and served as scored, with the truth's faults at fuses and the recloser.
    assert served == json.loads(json.dumps(figures, default=str))
    truth = {(f["kind"], f["scope"]) for f in figures["faults"]}
    assert {("sustained", "fuse"), ("sustained", "recloser")} <= truth
    for fault in figures["faults"]:  # a right outage stands at the faulted device itself
        if fault["found"]:
            outage = found[fault["found"]]
            assert (outage["device_kind"], outage["device"]) == (fault["scope"], fault["device"])
    # Blips and the crew's planned interruptions are judged apart from the faults.
    judged = [f for f in figures["faults"] if f["kind"] not in (MOMENTARY, PLANNED)]
    assert figures["sustained"] == len(judged)
    assert figures["right"] == sum(1 for f in judged if f["found"])
    if figures["right"] or figures["false_outages"]:
        assert figures["precision"] == round(
            figures["right"] / (figures["right"] + len(figures["false_outages"])), 3
        )
    assert figures["meters_checked"] > 0
    assert (
        figures["meters_wrong"]
        <= Meter.objects.exclude(power_status="on").count() + (figures["meters_checked"])
    )
