"""The platform's Prometheus metrics that code anywhere may count (prometheus-client).

Kept in one place so that every process defines them alike. With several processes
(gunicorn workers, the background worker) set ``PROMETHEUS_MULTIPROC_DIR`` to one empty
directory for all of them before they start (``kechuang serve`` and ``kechuang demo`` do
it): each process then writes its samples there and ``/metrics`` adds them up
(``kechuang.web.metrics``). Without it, a process reports only its own.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUEST_LATENCY = Histogram(
    "kechuang_request_duration_seconds",
    "Time to answer a request, by view (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0),
)
EMBEDDED_ITEMS = Counter(
    "kechuang_embedded_items",
    "Texts embedded for the search index (rate() of it is the embedding throughput).",
)
EMBEDDING_SECONDS = Counter(
    "kechuang_embedding_seconds",
    "Time spent embedding texts for the search index.",
)
