"""How long an "immediately" notification mail takes, per task backend: the request's
side (``notify`` and the commit) and the time from the commit until the mail went out.

Run against a scratch data directory (it creates a user ``bench@example.com``) with a
worker running for the database and RQ backends::

    export KECHUANG_DATA_DIR=$(mktemp -d) KECHUANG_SEARCH_BACKEND=database
    kechuang migrate
    KECHUANG_TASKS=database kechuang worker &          # (or KECHUANG_TASKS=rq)
    DJANGO_SETTINGS_MODULE=kechuang.settings python bench/mail_latency.py 20
    KECHUANG_TASKS=immediate DJANGO_SETTINGS_MODULE=kechuang.settings \\
        python bench/mail_latency.py 20                # the old way: mailed in the request
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def main(rounds: int) -> None:
    import django

    django.setup()
    from django.db import transaction

    from kechuang.accounts.models import User
    from kechuang.notifications.models import Notification
    from kechuang.notifications.services import notification_preference_update, notify

    user, _ = User.objects.get_or_create(
        email="bench@example.com", defaults={"display_name": "bench"}
    )
    notification_preference_update(actor=user, delivery="immediately")
    request_ms: list[float] = []
    mailed_ms: list[float] = []
    for i in range(rounds):
        start = time.perf_counter()
        with transaction.atomic():
            notify(recipients=[user], kind="system", title=f"测量 {i}")
        committed = time.perf_counter()
        request_ms.append((committed - start) * 1000)
        pk = Notification.objects.filter(recipient=user).latest("id").pk
        while not Notification.objects.filter(pk=pk, emailed_at__isnull=False).exists():
            time.sleep(0.01)
        mailed_ms.append((time.perf_counter() - committed) * 1000)
        time.sleep(0.3)

    def p95(values: list[float]) -> float:
        return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]

    print(
        f"{os.environ.get('KECHUANG_TASKS', 'database')}: notify+commit "
        f"p50 {statistics.median(request_ms):.1f} ms p95 {p95(request_ms):.1f} ms; "
        f"commit→mailed p50 {statistics.median(mailed_ms):.0f} ms "
        f"p95 {p95(mailed_ms):.0f} ms (n={rounds})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
