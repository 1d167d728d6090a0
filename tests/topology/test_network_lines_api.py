"""`GET /api/network/lines/?feeder=`: an imported model's geometry with its feeding now."""

import pytest
from django.db import connection

from tests.topology.test_import_feeder import feeder_fixtures, import_model

pytestmark = pytest.mark.usefixtures(feeder_fixtures.__name__)


def test_lines_of_a_feeder_with_their_coordinates_and_feeding(token_client):
    import_model("ieee8500", "--origin", "31.95,35.91")
    client = token_client("read")

    response = client.get("/api/network/lines/", {"feeder": "A8735_48332_SW"})  # any case

    assert response.status_code == 200
    lines = response.json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM network_lines")
        assert len(lines) == cursor.fetchone()[0] > 3000
    line = next(row for row in lines if row["code"] == "ln5815900-1")
    assert line["feeder"] == "a8735_48332_sw" and line["energized"] is True
    assert line["fed_through"] is None  # the head section, between the breaker and the relay
    (lat, _), (_, lng) = line["coordinates"]
    assert abs(lat - 31.95) < 0.2 and abs(lng - 35.91) < 0.2
    # Lines behind a fuse are fed through it.
    assert any(row["fed_through"] and row["fed_through"]["kind"] == "fuse" for row in lines)


def test_bad_feeder_is_400_naming_it_and_scopes_apply(token_client, api_client):
    assert api_client.get("/api/network/lines/").status_code == 401
    assert token_client("operate").get("/api/network/lines/").status_code == 403
    response = token_client("read").get("/api/network/lines/", {"feeder": "nope"})
    assert response.status_code == 400 and "feeder" in response.json()
