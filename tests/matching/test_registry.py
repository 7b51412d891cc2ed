"""The registry of search sources: filled by the apps from their AppConfig.ready()."""

from __future__ import annotations

import dataclasses

from kechuang.catalog.search import SOURCES as CATALOG_SOURCES
from kechuang.matching import registry
from kechuang.orgs.search import SOURCES as ORGS_SOURCES


def test_the_apps_register_their_sources_in_display_order() -> None:
    # orgs comes before catalog in INSTALLED_APPS; the sources' order decides
    assert list(registry.sources()) == [
        "need",
        "achievement",
        "challenge",
        "expert",
        "organization",
    ]
    assert [s.kind for s in CATALOG_SOURCES] == ["need", "achievement", "expert"]
    assert registry.sources()["organization"] is ORGS_SOURCES[0]


def test_registering_a_kind_again_replaces_it() -> None:
    before = registry.sources()["need"]
    try:
        registry.register(dataclasses.replace(before, order=35))
        assert list(registry.sources()) == [
            "achievement",
            "challenge",
            "expert",
            "need",
            "organization",
        ]
        assert len(registry.sources()) == 5
    finally:
        registry.register(before)
    assert list(registry.sources()) == [
        "need",
        "achievement",
        "challenge",
        "expert",
        "organization",
    ]
    assert registry.sources()["need"] is before


def test_doc_ids_name_a_registered_kind() -> None:
    assert registry.parse_doc_id("need:12") == ("need", 12)
    assert registry.parse_doc_id("organization:3") == ("organization", 3)
    assert registry.parse_doc_id("challenge:3") == ("challenge", 3)  # challenges' problems
    assert registry.parse_doc_id("project:3") is None
    assert registry.parse_doc_id("need:x") is None
