from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


def lockout(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("登录失败次数过多，账户已暂时锁定，请 15 分钟后再试。", status=429)
