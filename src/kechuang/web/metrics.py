"""Prometheus metrics: request latency by view, the index queue, embedding, the worker.

- ``MetricsMiddleware`` times every request into ``kechuang_request_duration_seconds``
  (labels: the URL name such as ``web:need_list`` or ``api:create_need``, the method, the
  status class), so that the label set stays small whatever the paths are.
- ``GET /metrics`` answers in Prometheus' text format. What belongs to the deployment, not
  to a process — the index queue's length and lag, the worker heartbeat's age — is read at
  scrape time (the database, the heartbeat file), so every gunicorn worker reports the
  same truth. Counters and histograms of several processes are added up from
  ``PROMETHEUS_MULTIPROC_DIR`` when it is set (prometheus-client's multiprocess mode).

``/metrics`` is not public: it answers only a request from an address in
``KECHUANG_METRICS_NETWORKS`` (default: this machine) that did not come through a proxy
(no ``X-Forwarded-For``/``Forwarded``/``X-Real-IP`` header), or one that sends
``Authorization: Bearer <KECHUANG_METRICS_TOKEN>``. Anyone else gets a 404.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kechuang.common import heartbeat
from kechuang.common.access_rules import public
from kechuang.common.metrics import REQUEST_LATENCY

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUEST_LATENCY.labels(
            view=view, method=request.method or "", status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


class DeploymentCollector(Collector):
    """Gauges read when scraped: the index queue and the worker's heartbeat."""

    def describe(self) -> list[GaugeMetricFamily]:
        # without it, registering would call collect() — a query at import time
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from kechuang.matching.indexing import queue_state

        try:
            length, _oldest, lag = queue_state()
        except DatabaseError:
            length, lag = None, None
        if length is not None and lag is not None:
            yield GaugeMetricFamily(
                "kechuang_index_queue_length", "Changes waiting to be indexed.", value=length
            )
            yield GaugeMetricFamily(
                "kechuang_index_queue_lag_seconds",
                "How long the oldest queued change has waited.",
                value=lag,
            )
        last = heartbeat.last_heartbeat()
        yield GaugeMetricFamily(
            "kechuang_worker_up",
            "1 while the background worker's heartbeat is fresh.",
            value=1 if heartbeat.worker_alive() else 0,
        )
        if last is not None:
            yield GaugeMetricFamily(
                "kechuang_worker_heartbeat_age_seconds",
                "Seconds since the background worker last beat.",
                value=max(time.time() - last.timestamp(), 0.0),
            )


_deployment = DeploymentCollector()
REGISTRY.register(_deployment)


def _registry() -> Any:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY  # this process only (and the deployment's gauges)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_deployment)
    return registry


def _allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "KECHUANG_METRICS_TOKEN", "") or "")
    header = request.headers.get("Authorization", "")
    if token and header.lower().startswith("bearer "):
        return secrets.compare_digest(header[7:].strip().encode(), token.encode())
    if any(request.META.get(name) for name in PROXY_HEADERS):
        return False  # came through a proxy: the proxy's address says nothing
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(item, strict=False)
        for item in settings.KECHUANG_METRICS_NETWORKS
        if item
    ]


@require_safe
@never_cache
@public("运维指标：仅限本机/配置的网段或持令牌访问，不含任何业务数据")
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
