"""Every write of open challenges, one module per stage (STYLE.md §1).

Import services from their module: ``kechuang.challenges.services.calls.call_create``.
"""
