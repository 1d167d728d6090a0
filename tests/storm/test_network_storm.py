"""The storm simulator on a network with devices (oms.storm.scenario): its ground truth checked
against the engine's own view of the network (the device API), its back-feed against the real
switching endpoint, its noise against what was asked, and its stream through the real ingest
and operate endpoints."""

from __future__ import annotations

from collections import Counter

import pytest

from oms.storm import generate_grid
from oms.storm.noise import Noise
from oms.storm.posting import endpoint, post_storm
from oms.storm.scenario import build_network_storm
from oms.storm.tree import NetworkView

pytestmark = pytest.mark.django_db
SCOPES = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center", "read", "operate"]
IN_LINE = ("feeder", "recloser", "sectionalizer", "switch", "fuse", "dp")


@pytest.fixture
def network(tmp_path):
    """2 substations x 2 feeders x 80 DPs x 3 meters, with head switches, reclosers,
    sectionalizers, eight fuses a feeder and ties between consecutive feeders."""
    from topology.grid import import_grid

    generate_grid(tmp_path, 2, 2, 80, 3, seed=7, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:5]
    return NetworkView.from_db()


def api_meters(client, kind: str, code: str) -> set[str]:
    numbers, page = set(), f"/api/devices/{kind}/{code}/meters/?page_size=1000"
    while page:
        answer = client.get(page)
        assert answer.status_code == 200, answer.content[:300]
        body = answer.json()
        numbers.update(m["meter_number"] for m in body["results"])
        page = body["next"]
    return numbers


def client_sender(client):
    def send(provider: str, body: bytes):
        answer = client.post(endpoint(provider), data=body, content_type="application/json")
        return answer.status_code, answer.json(), {}

    return send


def test_truth_is_what_each_device_feeds(network, token_client):
    """Each fault's true meters are its device's downstream meters as the engine's API reports
    them (no restoration switching here: the network stays as designed)."""
    client = token_client("read")
    storm = build_network_storm(network, 3, dp=3, fuse=3, meter=1, backfeed=0, isolation=0)
    assert not [s for s in storm.switching if s[4] == "operator"]
    checked = Counter()
    for f in storm.faults:
        if f.scope not in IN_LINE:
            continue
        expected = api_meters(client, f.scope, f.device)
        if f.kind == "momentary":  # those that blinked: not the fuse's, nor any already out
            if f.parent is not None:
                child = storm.faults[f.parent]
                expected -= api_meters(client, child.scope, child.device)
            assert set(f.meters) <= expected, (f.kind, f.scope, f.device)
        else:
            assert set(f.meters) == expected, (f.kind, f.scope, f.device)
        assert f.customers == len({storm.meter_info[n].customer for n in f.meters})
        checked[f.scope] += 1
    assert {"fuse", "dp", "recloser", "feeder", "sectionalizer"} <= set(checked), checked


def test_nested_and_momentary_truth(network):
    storm = build_network_storm(
        network, 5, nested=2, fuse_saving_share=1.0, backfeed=0, isolation=0
    )
    faults = storm.faults
    nested = [f for f in faults if f.kind == "nested" and f.scope in ("fuse", "dp")]
    assert nested
    for child in nested:
        parent = faults[child.parent]
        assert set(child.meters) <= set(parent.meters)
        for n in child.meters:  # still out when the parent's device closed
            back = child.restored[n]
            assert back is None or back >= (child.end or 0) > parent.end
        others = set(parent.meters) - set(child.meters)
        # the rest came back when the parent's device closed, or later (another fault above)
        assert all(parent.restored[n] is None or parent.restored[n] >= parent.end for n in others)
    blips = [f for f in faults if f.kind == "momentary"]
    assert blips
    for f in blips:
        assert all(f.restored[n] - f.start < 10 for n in f.meters), f
    sectionalized = [f for f in faults if f.scope == "sectionalizer" and f.kind == "sustained"]
    for f in sectionalized:  # the recloser above it held on its last reclose
        above = [m for m in blips if m.parent == f.index]
        assert above and not set(above[0].meters) & set(f.meters)


def test_back_feed_truth_matches_the_switching_endpoint(network, token_client):
    """Played through the real operate endpoint, the storm's restoration switching energizes
    exactly the meters whose truth says they came back at the tie's close."""
    alone = dict(dp=0, fuse=0, recloser_blips=0, sectionalizer=0, feeder=0, meter=0, nested=0)
    storm = build_network_storm(
        network, 2, **alone, recloser=1, backfeed=1, isolation=0, return_to_normal=False
    )
    ops = [s for s in storm.switching if s[4] == "operator"]
    assert [s[3] for s in ops] == ["open", "close"], storm.notes
    (_, open_kind, open_code, *_), (t_close, tie_kind, tie_code, _, _, fault) = ops
    f = storm.faults[fault]
    back_fed = {n for n, t in f.restored.items() if t == pytest.approx(t_close)}
    assert back_fed
    client = token_client("operate", "read")
    expected = api_meters(client, open_kind, open_code)
    for kind, code, action in ((open_kind, open_code, "open"), (tie_kind, tie_code, "close")):
        answer = client.post(f"/api/devices/{kind}/{code}/operate/", {"action": action})
        assert answer.status_code == 200, answer.content
    assert back_fed == expected  # the open switch fed them; the tie feeds them now
    assert api_meters(client, tie_kind, tie_code) >= back_fed
    assert all(f.restored[n] == pytest.approx(f.end) for n in set(f.meters) - back_fed)
    # Back to normal after the repair: the tie opens, the switch closes; what the tie fed is a
    # planned interruption at the tie between the two.
    again = build_network_storm(network, 2, **alone, recloser=1, backfeed=1, isolation=0)
    ops = [s for s in again.switching if s[4] == "operator"]
    assert [(s[2], s[3]) for s in ops] == [
        (open_code, "open"), (tie_code, "close"), (tie_code, "open"), (open_code, "close")
    ]  # fmt: skip
    (planned,) = [f for f in again.faults if f.kind == "planned"]
    assert (planned.scope, planned.device) == (tie_kind, tie_code)
    assert set(planned.meters) == back_fed
    assert planned.start == ops[2][0] and planned.end == ops[3][0] > again.faults[fault].end
    assert set(planned.restored.values()) == {ops[3][0]}


def test_noise_is_what_was_asked(network):
    noise = Noise(last_gasp_share=0.5, power_up_share=1.0, max_repeats=1, late_share=0.0,
                  skew_share=0.5, spurious_gasp_share=0.01, false_call_share=0.005, bursts=1,
                  burst_size=25)  # fmt: skip
    storm = build_network_storm(network, 11, noise=noise)
    meters = sum(network.dp_meter_counts.values())
    assert storm.noise["spurious_gasps"] >= round(meters * 0.01)  # an ONU gasps for all its meters
    assert storm.noise["false_calls"] == round(meters * 0.005)
    assert storm.noise["burst_redeliveries"] == 2 * 25  # one burst per AMI provider
    gasps = sum(1 for e in storm.emissions if e.kind == "lg" and e.fault >= 0 and not e.redelivery)
    lost = storm.noise["lost_last_gasps"]
    assert 0.4 < gasps / (gasps + lost) < 0.6
    assert storm.noise["lost_power_ups"] == 0
    skews = [e.event_time - e.arrival for e in storm.emissions if e.provider in ("onu", "kaifa")]
    assert max(skews) <= 240  # never past the contract's 5 minutes ahead
    assert storm.noise["skewed_reporters"] > 0
    for n in storm.spurious:  # never lost supply: expected on
        assert storm.expected_state.get(n, "on") == "on"


def test_same_seed_same_storm(network):
    one = build_network_storm(network, 9)
    two = build_network_storm(NetworkView.from_db(), 9, start=one.start)
    assert [(f.scope, f.device, f.start, f.meters) for f in one.faults] == [
        (f.scope, f.device, f.start, f.meters) for f in two.faults
    ]
    assert [one.render(e) for e in one.emissions] == [two.render(e) for e in two.emissions]
    other = build_network_storm(network, 10)
    assert [f.device for f in other.faults] != [f.device for f in one.faults]


def test_storm_goes_through_the_real_endpoints(network, token_client):
    from topology.models import SwitchingOperation

    storm = build_network_storm(network, 2, backfeed=1)
    post = post_storm(storm, client_sender(token_client(*SCOPES)), batch_size=200, concurrency=1)
    assert post.failures == [] and post.rejected == []
    redeliveries = sum(e.redelivery for e in storm.emissions if e.provider != "operate")
    ingest = sum(1 for e in storm.emissions if e.provider != "operate")
    assert post.accepted + post.duplicates == ingest
    assert post.duplicates >= redeliveries
    operations = [e for e in storm.emissions if e.provider == "operate"]
    assert [status for _, status, _ in post.operations] == [200] * len(operations)
    assert SwitchingOperation.objects.filter(source="operator").count() == len(operations)


def test_isolation_on_ieee123(token_client):
    """IEEE 123 (one feeder, switches and loop ties only): a fault below a switch locks the
    breaker out; the isolated section is the nested fault at the switch, exactly what lies
    between the two opened switches as the API counts it; the rest comes back when the breaker
    closes or, beyond the second switch, when the tie closes."""
    from tests.conftest import missing
    from tests.topology.test_import_feeder import FEEDERS, import_model

    if not FEEDERS.is_dir():
        missing(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    import_model("ieee123")
    net = NetworkView.from_db()
    alone = dict(dp=0, fuse=0, recloser=0, recloser_blips=0, sectionalizer=0, feeder=0, meter=0)
    storm = build_network_storm(net, 1, **alone, nested=0, backfeed=0, isolation=1)
    parent, child, planned = storm.faults
    assert (parent.scope, parent.kind, child.kind, planned.kind) == (
        "feeder", "sustained", "nested", "planned"
    )  # fmt: skip
    ops = [(s[0], s[2], s[3]) for s in storm.switching if s[4] == "operator"]
    (t_z, z, _), (_, c, _), (t_tie, _, _), (t_back, _, _) = ops[:4]
    assert (child.scope, child.device, child.start, child.end) == ("switch", z, t_z, t_back)
    client = token_client("read")
    between = api_meters(client, "switch", z) - api_meters(client, "switch", c)
    assert set(child.meters) == between
    beyond = api_meters(client, "switch", c)
    assert {n for n, t in parent.restored.items() if t == t_tie} == beyond
    upstream = set(parent.meters) - between - beyond
    assert upstream and {parent.restored[n] for n in upstream} == {parent.end}
    assert all(parent.restored[n] == t_back for n in between)
