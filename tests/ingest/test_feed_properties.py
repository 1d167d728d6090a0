"""A property over the four feeds' payloads (hypothesis, fixed seed): a real event of each feed
with any of its fields replaced by any JSON value, or extra fields of any shape added, is
either refused with 400 writing nothing, or stored whole; a batch of such events answers 200
accounting for every event. Never a 500."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import load_fixture
from tests.ingest.conftest import INGEST_SCOPES, row_counts

pytestmark = pytest.mark.django_db

BASES = {
    "scada": load_fixture("providers/scada_loss_of_voltage.json"),
    "onu": load_fixture("providers/onu_last_gasp.json"),
    "kaifa": load_fixture("providers/kaifa_power_outage.json"),
    "call_center": load_fixture("providers/callcenter_ticket_plain.json"),
}
RAW_TABLES = {
    "scada": "scada_events",
    "onu": "onu_events",
    "kaifa": "kaifa_events",
    "call_center": "callcenter_tickets",
}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "\x00", "2025-10-01T06:15:30Z", "9999-01-01T00:00:00Z",
                       "2025-10-01T06:15:30+15:00", "M40000001", "PowerOutage"])
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every (path) to a field of a JSON object, nested ones included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))


def _replace(payload, path, value):
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@st.composite
def mutated(draw, provider: str):
    payload = copy.deepcopy(BASES[provider])
    paths = list(_paths(payload))
    for path in draw(st.lists(st.sampled_from(paths), max_size=3, unique=True)):
        try:
            _replace(payload, path, draw(values))
        except (KeyError, TypeError):  # an earlier replacement removed its parent
            continue
    for key, value in draw(st.dictionaries(st.text(max_size=10), values, max_size=2)).items():
        payload.setdefault(key, value)
    return payload


def _post(client, provider, body, batch=False):
    url = f"/api/ingest/{provider}/{'batch/' if batch else ''}"
    data = json.dumps(body) if not isinstance(body, bytes) else body
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def client(grid, token_client):
    return token_client(*INGEST_SCOPES)


@pytest.mark.parametrize("provider", list(BASES))
def test_any_event_is_refused_whole_or_stored_whole(client, provider):
    @seed(1212)
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=mutated(provider))
    def check(payload):
        before = row_counts()
        response = _post(client, provider, payload)

        assert response.status_code in (200, 201, 400), (response.status_code, payload)
        if response.status_code == 400:
            assert response.json()["errors"], payload
            assert row_counts() == before, payload
        elif response.status_code == 201:
            assert row_counts()[RAW_TABLES[provider]] > before[RAW_TABLES[provider]]

    check()


@pytest.mark.parametrize("provider", list(BASES))
def test_any_batch_accounts_for_every_event(client, provider):
    @seed(1212)
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(events=st.lists(mutated(provider), min_size=1, max_size=4))
    def check(events):
        before = row_counts()[RAW_TABLES[provider]]
        response = _post(client, provider, {"events": events}, batch=True)

        assert response.status_code == 200, (response.status_code, events)
        answer = response.json()
        rejected = {item["index"] for item in answer["rejected"]}
        assert answer["accepted"] + answer["duplicates"] == len(events) - len(rejected)
        assert row_counts()[RAW_TABLES[provider]] == before + answer["accepted"]

    check()
