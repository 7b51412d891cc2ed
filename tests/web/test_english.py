"""The English version is complete: pages in English show no Chinese outside user content,
and the English catalogue has no untranslated or fuzzy entries."""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

import kechuang
from kechuang.accounts.models import User
from kechuang.accounts.services import user_update_profile
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.catalog.services import achievement_create, listing_transition, need_create
from kechuang.matching.models import Term
from kechuang.matching.services_dictionary import term_add
from kechuang.orgs.models import Organization
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region
from tests.conftest import World, achievement_data, client_for, need_data

PO_FILE = Path(kechuang.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
# The apps that keep their own catalogue (makemessages run inside the app), each with the
# least number of entries it has, so that an emptied catalogue fails.
APP_CATALOGUES = {"notifications": 40, "challenges": 500, "review": 450}
CATALOGUES = {"project": (PO_FILE, 500)} | {
    app: (Path(kechuang.__file__).parent / app / "locale" / "en" / "LC_MESSAGES" / "django.po", n)
    for app, n in APP_CATALOGUES.items()
}
every_catalogue = pytest.mark.parametrize("catalogue", list(CATALOGUES))

# Han ideographs, CJK punctuation (、。「」) and full-width forms (，：（）); not the
# ideographic space, which indents the association tree in select boxes.
CJK = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Chinese on purpose: the language switch names Chinese in Chinese (marked lang="zh-hans"),
# and the logo is the character 科 (marked class="brand-mark").
ON_PURPOSE = re.compile(
    r"<(\w+)\b[^>]*\b(?:lang=\"zh-hans\"|class=\"brand-mark\")[^>]*>.*?</\1>", re.DOTALL
)

ENGLISH_NEED = {
    "title": "Liquid cooling for battery packs",
    "description": "Cell temperature spread exceeds 8 K at 2C; we need a cold-plate channel "
    "design and a control strategy that keep it under 3 K.",
    "keywords": "battery cooling, cold plate, energy storage",
    "contact_name": "Mr Wang",
}


def english_client(user: User | None = None) -> Client:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def english_named(user: User) -> User:
    """The user menu shows the first letter of the name, which no stripping could find."""
    return user_update_profile(
        user=user, display_name=f"User {user.pk}", email=user.email, mobile=user.mobile
    )


def published_need(world: World) -> Need:
    need = need_create(
        actor=world.owner_admin, organization=world.enterprise, **need_data(**ENGLISH_NEED)
    )
    listing_transition(actor=world.owner_admin, item=need, action="submit")
    return listing_transition(actor=world.hangzhou_staff, item=need, action="publish")


ENGLISH_ACHIEVEMENT = {
    "title": "Two-phase flow metering",
    "summary": "Gas-liquid flow metering that fuses differential pressure with capacitance "
    "tomography; error under 5% for gas fractions of 0-95%.",
    "keywords": "flow meter, tomography",
    "team": "Prof Li, lead",
    "terms": "Licensing; price negotiable",
}


def published_achievement(world: World) -> Achievement:
    item = achievement_create(
        actor=world.owner_admin,
        organization=world.enterprise,
        **achievement_data(**ENGLISH_ACHIEVEMENT),
    )
    listing_transition(actor=world.owner_admin, item=item, action="submit")
    return listing_transition(actor=world.hangzhou_staff, item=item, action="publish")


def user_content() -> list[str]:
    """Text that users typed (organisation and person names, listings) — shown as entered."""
    values: list[str] = []
    for org in Organization.objects.all():
        values += [org.name, org.short_name, org.description]
    values += [user.display_name for user in User.objects.all()]
    for model in (Need, Achievement, ExpertProfile):
        for row in model.objects.all():
            values += [
                str(getattr(row, field.attname))
                for field in model._meta.concrete_fields
                if field.get_internal_type() in ("CharField", "TextField")
            ]
    return values


def reference_data() -> list[str]:
    """The Chinese names of the standard vocabularies. English pages show ``name_en``, so the
    tests here no longer strip them; pages that still show a Chinese name fail."""
    values: list[str] = []
    for model in (Region, Industry, Discipline, CooperationMode):
        values += model.objects.values_list("name", flat=True)
    return values


def strip(html: str, texts: list[str]) -> str:
    html = ON_PURPOSE.sub("", html)
    for text in sorted({t for t in texts if t}, key=len, reverse=True):
        html = html.replace(escape(text), "").replace(text, "")
    return html


def chinese_snippets(html: str) -> list[str]:
    """Each run of Chinese with some context, so a failure shows where it is."""
    return [
        html[max(m.start() - 60, 0) : m.end() + 60].replace("\n", " ")
        for m in re.finditer(rf"{CJK.pattern}+", html)
    ]


def get_english(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    return response.content.decode()


def assert_all_english(html: str) -> None:
    snippets = chinese_snippets(strip(html, user_content()))
    assert snippets == [], "Chinese text on an English page:\n" + "\n".join(snippets)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["web:home", "web:need_list", "accounts:signup", "accounts:login"])
def test_public_pages_are_english(world: World, name: str) -> None:
    published_need(world)

    html = get_english(english_client(), reverse(name))

    assert_all_english(html)


@pytest.mark.django_db
def test_home_shows_english_shell_and_user_content_as_entered(world: World) -> None:
    published_need(world)

    html = get_english(english_client(), reverse("web:home"))

    assert ">Needs<" in html
    assert "Latest technical needs" in html
    assert "Liquid cooling for battery packs" in html


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "owner_admin", "hangzhou_staff"])
def test_need_detail_is_english(world: World, viewer: str) -> None:
    need = published_need(world)
    user = None if viewer == "anonymous" else english_named(getattr(world, viewer))

    html = get_english(english_client(user), reverse("web:need_detail", args=[need.pk]))

    assert "Liquid cooling for battery packs" in html
    assert_all_english(html)


# --- listings and the vocabularies they show ------------------------------------------


@pytest.mark.django_db
def test_achievement_list_is_english(world: World) -> None:
    published_achievement(world)

    html = get_english(english_client(), reverse("web:achievement_list"))

    assert_all_english(html)


@pytest.mark.django_db
def test_achievement_detail_is_english(world: World) -> None:
    item = published_achievement(world)

    html = get_english(english_client(), reverse("web:achievement_detail", args=[item.pk]))

    assert_all_english(html)


@pytest.mark.django_db
def test_vocabulary_names_are_english(world: World) -> None:
    html = get_english(english_client(), reverse("web:need_list"))

    snippets = chinese_snippets(strip(html, user_content()))
    assert snippets == [], "Chinese text on an English page:\n" + "\n".join(snippets[:20])


@pytest.mark.django_db
def test_chinese_is_still_the_default(world: World) -> None:
    html = Client().get(reverse("web:home")).content.decode()

    assert "需求大厅" in html
    assert "Latest technical needs" not in html


@pytest.mark.django_db
def test_signup_errors_are_english(world: World) -> None:
    response = english_client().post(
        reverse("accounts:signup"),
        {"display_name": "Ada", "password": "x-2026-long", "password2": "y-2026-long"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter an email address or a mobile number." in html
    assert "The two passwords do not match." in html
    assert User.objects.filter(display_name="Ada").count() == 0
    assert_all_english(html)


def dictionary_terms() -> list[str]:
    """The dictionary's terms are Chinese words by nature: content, not interface."""
    values: list[str] = []
    for text, synonyms in Term.objects.values_list("text", "synonyms"):
        values += [text, synonyms]
    return values


@pytest.mark.django_db
def test_search_dictionary_page_is_english(world: World) -> None:
    term_add(actor=world.platform_admin, text="钙钛矿叠层", synonyms="叠层钙钛矿")
    client = english_client(english_named(world.platform_admin))

    html = get_english(client, reverse("web:dictionary"))

    assert "Custom terms" in html and "钙钛矿叠层" in html
    assert chinese_snippets(strip(html, user_content() + dictionary_terms())) == []


@pytest.mark.django_db
def test_search_dictionary_refusal_is_english(world: World) -> None:
    term_add(actor=world.platform_admin, text="钙钛矿叠层")
    client = english_client(english_named(world.platform_admin))

    response = client.post(reverse("web:dictionary"), {"text": "钙钛矿叠层", "synonyms": ""})

    html = response.content.decode()
    assert response.status_code == 422
    assert "This term has already been added." in html
    assert Term.objects.count() == 1
    assert chinese_snippets(strip(html, user_content() + dictionary_terms())) == []


@pytest.mark.django_db
def test_chinese_snippets_reports_what_it_finds() -> None:
    html = '<p>Needs</p><button lang="zh-hans">中文</button><p>需求大厅</p>'

    snippets = chinese_snippets(strip(html, []))

    assert snippets == ["<p>Needs</p><p>需求大厅</p>"]


# --- the catalogue ----------------------------------------------------------------------


PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(text: str) -> str:
    """The value of a quoted .po string."""
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES.get(m[1], m[0]), text[1:-1])


def read_po(path: Path) -> list[dict[str, Any]]:
    """Entries of a .po file: flags, msgctxt, msgid, msgid_plural and every msgstr."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {"flags": set(), "fields": {}}
    field = ""

    def close() -> None:
        nonlocal entry
        if "msgid" in entry["fields"]:
            entries.append(entry)
        entry = {"flags": set(), "fields": {}}

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            close()
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry["fields"][field] += unquote(line)
        else:
            field, _, value = line.partition(" ")
            entry["fields"][field] = unquote(value)
    close()
    return entries


def msgstrs(entry: dict[str, Any]) -> list[str]:
    return [value for key, value in entry["fields"].items() if key.startswith("msgstr")]


@every_catalogue
def test_catalogue_has_no_empty_fuzzy_or_obsolete_entries(catalogue: str) -> None:
    po_file, least = CATALOGUES[catalogue]
    entries = [e for e in read_po(po_file) if e["fields"]["msgid"]]  # not the header

    empty = [e["fields"]["msgid"] for e in entries if not all(msgstrs(e))]
    fuzzy = [e["fields"]["msgid"] for e in entries if "fuzzy" in e["flags"]]
    obsolete = [e["fields"]["msgid"] for e in entries if e.get("obsolete")]
    assert len(entries) > least
    assert (empty, fuzzy, obsolete) == ([], [], [])


@pytest.mark.parametrize("catalogue", ["project", "challenges", "review"])  # those with plurals
def test_catalogue_plural_entries_have_both_forms(catalogue: str) -> None:
    plurals = [e for e in read_po(CATALOGUES[catalogue][0]) if "msgid_plural" in e["fields"]]

    assert plurals
    for entry in plurals:
        assert sorted(k for k in entry["fields"] if k.startswith("msgstr")) == [
            "msgstr[0]",
            "msgstr[1]",
        ]


@every_catalogue
def test_catalogue_keeps_every_placeholder(catalogue: str) -> None:
    placeholder = re.compile(r"%\(\w+\)(?:\.\d+)?[sdf]|\{[^}]*\}")
    wrong = []
    for entry in read_po(CATALOGUES[catalogue][0]):
        wanted = set(placeholder.findall(entry["fields"]["msgid"]))
        wrong += [
            (entry["fields"]["msgid"], text)
            for text in msgstrs(entry)
            if set(placeholder.findall(text)) != wanted
        ]

    assert wrong == []


def test_catalogue_keeps_the_nav_context_entry() -> None:
    nav = [e for e in read_po(PO_FILE) if e["fields"].get("msgctxt") == "nav"]

    assert [(e["fields"]["msgid"], e["fields"]["msgstr"]) for e in nav] == [
        ("组织", "Organisations")
    ]


@every_catalogue
def test_compiled_catalogue_matches_the_source(catalogue: str) -> None:
    po_file = CATALOGUES[catalogue][0]
    with po_file.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in read_po(po_file):
        fields = entry["fields"]
        if not fields["msgid"]:
            continue
        msgid = fields["msgid"]
        if "msgctxt" in fields:
            got = compiled.pgettext(fields["msgctxt"], msgid)
        elif "msgid_plural" in fields:
            got = compiled.ngettext(msgid, fields["msgid_plural"], 1)
        else:
            got = compiled.gettext(msgid)
        if got != msgstrs(entry)[0]:
            stale.append(msgid)

    assert stale == []
