"""The service's Prometheus metrics and `/metrics`, where a scraper reads them.

prometheus-client's default registry: Daphne serves from one process, so each server process
is scraped as its own target. Every door counts in the process it runs in (a `manage.py
consume` worker keeps its own counters, unscraped). Active outages are read from the database
at scrape time, so every process reports the same truth whichever door wrote it.

`/metrics` is network-restricted: only clients from METRICS_ALLOWED_NETWORKS (CIDRs, default
loopback) get it; anyone else gets 403 and learns nothing.
"""

from __future__ import annotations

import ipaddress
import time
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

INGEST_EVENTS = Counter(
    "oms_ingest_events",
    "Provider events taken in, by provider and outcome (processed, unmatched, ignored, stale, "
    "duplicate for a re-delivery, rejected for a refused body or batch item)",
    ["provider", "status"],
)
ENGINE_SECONDS = Histogram(
    "oms_engine_batch_seconds",
    "Time of the engine's transaction per ingest batch (apply evidence, outages, commit)",
    ["provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RAW_ROW_FAILURES = Counter(
    "oms_raw_row_write_failures",
    "Batches whose raw rows could not be stored after the engine's commit (the feed re-sends)",
    ["provider"],
)
RELAY_LAG = Histogram(
    "oms_relay_lag_seconds",
    "Commit to push: from a committed change's notification reaching the relay to its push "
    "being sent to the channel layer (the oldest change of each push)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RELAY_LAG_LAST = Gauge("oms_relay_lag_last_seconds", "Commit-to-push lag of the latest push")
WEBSOCKET_CLIENTS = Gauge(
    "oms_websocket_clients", "Dashboards connected to /ws/outages/ on this server process"
)


class ActiveOutagesCollector:
    """`oms_active_outages{scope, event_type}`, counted in the database when scraped."""

    def describe(self):
        return [GaugeMetricFamily("oms_active_outages", "Active outages", labels=[])]

    def collect(self):
        family = GaugeMetricFamily(
            "oms_active_outages",
            "Active outages (detected, confirmed, in progress) by device kind and event type",
            labels=["scope", "event_type"],
        )
        with connection.cursor() as cursor:
            # The engine's own list of active statuses (oms/ imports no app above it).
            cursor.execute(
                "SELECT scope, event_type, count(*) FROM oms_outage_events"
                " WHERE status = ANY(outages_active_statuses()) GROUP BY 1, 2 ORDER BY 1, 2"
            )
            for scope, event_type, count in cursor.fetchall():
                family.add_metric([scope, event_type], count)
        yield family


REGISTRY.register(ActiveOutagesCollector())


def count_ingest(provider: str, outcome) -> None:
    """Count an ingest.actions.IngestOutcome: its new events by status, its re-deliveries."""
    for status, count in outcome.statuses.items():
        INGEST_EVENTS.labels(provider, status).inc(count)
    if outcome.duplicates:
        INGEST_EVENTS.labels(provider, "duplicate").inc(outcome.duplicates)


def count_rejected(provider: str, count: int = 1) -> None:
    if count:
        INGEST_EVENTS.labels(provider, "rejected").inc(count)


@contextmanager
def engine_timer(provider: str, events: int):
    """Time the engine's transaction of a batch of `events` new events (none: not a batch)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if events:
            ENGINE_SECONDS.labels(provider).observe(time.perf_counter() - started)


def observe_relay_lag(seconds: float) -> None:
    RELAY_LAG.observe(seconds)
    RELAY_LAG_LAST.set(seconds)


@cache
def allowed_networks() -> tuple:
    return tuple(ipaddress.ip_network(item) for item in settings.METRICS_ALLOWED_NETWORKS)


def client_allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in allowed_networks() if network.version == ip.version)


@never_cache
def metrics(request):
    if not client_allowed(request.META.get("REMOTE_ADDR")):
        return HttpResponseForbidden("metrics are served to METRICS_ALLOWED_NETWORKS only\n")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
