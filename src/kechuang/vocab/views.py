"""Vocabulary look-ups for the searchable selects of the forms and list filters."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from kechuang.common.access_rules import public
from kechuang.vocab.selectors import regions_matching


@require_GET
@public("行政区划（GB/T 2260）是公开的参考数据")
def region_search(request: HttpRequest) -> JsonResponse:
    """``{"results": [{"value": "330106", "text": "浙江省杭州市西湖区"}, …]}``, names in the
    page's language, for the region select's search box (public reference data)."""
    # NUL is not text (PostgreSQL refuses it in a query): it matches nothing
    query = request.GET.get("q", "").replace("\x00", " ").strip()[:100]
    results = [
        {"value": region.code, "text": region.full_name} for region in regions_matching(query)
    ]
    return JsonResponse({"results": results})
