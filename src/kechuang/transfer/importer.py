"""Import an export document into an empty database, all or nothing.

The import restores history: statuses, timestamps, who created what and the audit log
exactly as exported, keeping every row's id (its ``key``), so ids written inside audit
entries stay true. That is why it writes rows directly instead of going through the
lifecycle services, which would start every record afresh as a draft by "now". It
still checks each row with the model's own validation, checks every reference and
vocabulary code, and recomputes the organisation tree's ``path`` and ``depth`` from the
``parent`` keys rather than trusting the file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import (
    Achievement,
    Attachment,
    ExpertProfile,
    ExpertWork,
    Need,
    attachment_path,
)
from kechuang.orgs.models import Organization
from kechuang.transfer.errors import TransferFailed
from kechuang.transfer.schema import (
    ATTACHMENTS,
    AUTO_TIMESTAMPS,
    EXPERTS,
    FORMAT,
    ORGANIZATIONS,
    SECTIONS,
    USERS,
    VERSION,
    WORKS,
    Field,
    Section,
)
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

VOCABULARIES: dict[str, type[models.Model]] = {
    "region": Region,
    "industry": Industry,
    "discipline": Discipline,
    "cooperation_mode": CooperationMode,
}


@dataclass
class ImportSummary:
    counts: dict[str, int]
    dry_run: bool
    files_written: int = 0


def read_document(stream: IO[bytes] | IO[str]) -> dict[str, Any]:
    """Parse an export file; anything that is not a JSON object is refused clearly."""
    raw = stream.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TransferFailed(
                [_("文件不是 UTF-8 编码的文本：%(error)s") % {"error": exc}]
            ) from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TransferFailed(
            [
                _("文件不是有效的 JSON（第 %(line)d 行第 %(col)d 列）：%(error)s")
                % {"line": exc.lineno, "col": exc.colno, "error": exc.msg}
            ]
        ) from exc
    if not isinstance(data, dict):
        raise TransferFailed([_("文件不是 kechuang 导出文件：顶层应为 JSON 对象。")])
    return data


def check_header(data: dict[str, Any]) -> None:
    if data.get("format") != FORMAT:
        raise TransferFailed(
            [
                _("文件不是 kechuang 导出文件：format 应为 “%(format)s”，实为 %(found)s。")
                % {"format": FORMAT, "found": json.dumps(data.get("format"), ensure_ascii=False)}
            ]
        )
    if data.get("version") != VERSION:
        raise TransferFailed(
            [
                _("不支持的导出格式版本 %(found)s：本程序只能导入版本 %(version)d。")
                % {"found": json.dumps(data.get("version")), "version": VERSION}
            ]
        )


def check_database_empty() -> None:
    counts = {
        _("组织"): Organization.objects.count(),
        _("用户"): User.objects.count(),
        _("需求"): Need.objects.count(),
        _("成果"): Achievement.objects.count(),
        _("专家"): ExpertProfile.objects.count(),
        _("审计记录"): AuditEntry.objects.count(),
    }
    present = [f"{name} {n}" for name, n in counts.items() if n]
    if present:
        raise TransferFailed(
            [
                _(
                    "目标数据库不是空的（已有：%(present)s）。导入只能写入新建的空数据库："
                    "请新建数据库并运行 kechuang migrate 后再导入。"
                )
                % {"present": "，".join(present)}
            ]
        )
    if not Region.objects.exists():
        raise TransferFailed([_("词表尚未载入，请先运行 kechuang migrate。")])


# ---------------------------------------------------------------- decoding


class _Bad(Exception):
    """A value that cannot be decoded; the message says why."""


def _decode(field: Field, value: Any) -> Any:
    if value is None:
        return [] if field.kind == "codes" else None
    kind = field.kind
    if kind in {"key", "ref", "int"}:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(_("应为整数。"))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _Bad(_("应为 true 或 false。"))
        return value
    if kind in {"str", "vocab"}:
        if not isinstance(value, str):
            raise _Bad(_("应为字符串。"))
        return value
    if kind == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise _Bad(_("应为数字。")) from None
    if kind == "date":
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise _Bad(_("应为 YYYY-MM-DD 格式的日期。")) from None
    if kind == "datetime":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise _Bad(_("应为 ISO 8601 格式的时间。")) from None
        if moment.tzinfo is None:
            raise _Bad(_("时间须带时区，例如 2026-01-01T08:00:00+00:00。"))
        return moment
    if kind == "codes":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Bad(_("应为代码字符串的列表。"))
        return value
    return value  # json


def _model_field_name(f: Field) -> str:
    return f.attname.removesuffix("_id") if f.kind in {"ref", "vocab"} else f.attname


@dataclass
class _Plan:
    """Unsaved rows, in insert order, and every problem found while building them."""

    problems: list[str] = field(default_factory=list)
    rows: dict[str, list[models.Model]] = field(default_factory=dict)
    m2m: list[tuple[models.Model, str, list[str]]] = field(default_factory=list)
    works: list[ExpertWork] = field(default_factory=list)
    files: list[tuple[Attachment, bytes]] = field(default_factory=list)


class _Builder:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.plan = _Plan()
        self.keys: dict[str, set[int]] = {}
        self.codes = {
            name: {str(pk) for pk in model._default_manager.values_list("pk", flat=True)}
            for name, model in VOCABULARIES.items()
        }

    def problem(self, where: str, message: str) -> None:
        self.plan.problems.append(f"{where}: {message}")

    def section_rows(self, section: Section) -> list[dict[str, Any]]:
        rows = self.data.get(section.name, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            self.problem(section.name, _("应为 JSON 对象的列表。"))
            return []
        return rows

    def collect_keys(self) -> None:
        for section in SECTIONS:
            seen: set[int] = set()
            for index, row in enumerate(self.section_rows(section)):
                key = row.get("key")
                if isinstance(key, bool) or not isinstance(key, int) or key < 1:
                    self.problem(f"{section.name}[{index}].key", _("应为正整数。"))
                elif key in seen:
                    self.problem(
                        f"{section.name}[{index}].key", _("重复的 key：%(key)d。") % {"key": key}
                    )
                else:
                    seen.add(key)
            self.keys[section.name] = seen

    def build_row(self, section: Section, row: dict[str, Any], where: str) -> models.Model | None:
        values: dict[str, Any] = {}
        codes: dict[str, list[str]] = {}
        ok = True
        for f in section.fields:
            model_field: Any = (
                section.model._meta.get_field(_model_field_name(f)) if f.kind != "key" else None
            )
            if f.name in row:
                raw = row[f.name]
            elif model_field is not None and model_field.has_default():
                raw = model_field.get_default()
                values[f.attname] = raw
                continue
            else:
                raw = None
            try:
                value = _decode(f, raw)
            except _Bad as exc:
                if f.kind != "key":  # bad keys were reported by ``collect_keys``
                    self.problem(f"{where}.{f.name}", str(exc))
                ok = False
                continue
            if (
                f.kind in {"ref", "vocab"}
                and value is None
                and model_field is not None
                and not model_field.null
            ):
                self.problem(f"{where}.{f.name}", _("必填。"))
                ok = False
            elif f.kind == "ref" and value is not None and value not in self.keys[f.target]:
                self.problem(
                    f"{where}.{f.name}",
                    _("引用了不存在的 %(section)s 记录 key=%(key)s。")
                    % {"section": f.target, "key": value},
                )
                ok = False
            elif f.kind == "vocab" and value is not None and value not in self.codes[f.target]:
                self.problem(
                    f"{where}.{f.name}",
                    _("未知的 %(table)s 代码“%(code)s”。") % {"table": f.target, "code": value},
                )
                ok = False
            elif f.kind == "codes":
                unknown = [c for c in value if c not in self.codes[f.target]]
                if unknown:
                    self.problem(
                        f"{where}.{f.name}",
                        _("未知的 %(table)s 代码：%(codes)s。")
                        % {"table": f.target, "codes": "、".join(unknown)},
                    )
                    ok = False
                codes[f.attname] = value
                continue
            values[f.attname] = value
        if not ok:
            return None
        obj = section.model(**values)
        for name, wanted in codes.items():
            self.plan.m2m.append((obj, name, wanted))
        return obj

    def validate(
        self, obj: models.Model, section: Section, where: str, extra_exclude: tuple[str, ...] = ()
    ) -> None:
        exclude = [
            _model_field_name(f) for f in section.fields if f.kind in {"ref", "vocab", "codes"}
        ]
        try:
            obj.full_clean(exclude=[*exclude, *extra_exclude], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.problem(f"{where}.{name}" if name != "__all__" else where, message)

    def build(self) -> _Plan:
        self.collect_keys()
        for section in SECTIONS:
            built: list[models.Model] = []
            for index, row in enumerate(self.section_rows(section)):
                where = f"{section.name}[{index}]"
                obj = self.build_row(section, row, where)
                if obj is None:
                    continue
                if section is ORGANIZATIONS:
                    built.append(obj)  # validated once the tree gives it a path
                    continue
                self.extra(section, obj, row, where)
                self.validate(obj, section, where, self.exclude_for(section))
                built.append(obj)
            if section is ORGANIZATIONS:
                built = self.place_tree(built)
            self.plan.rows[section.name] = built
        return self.plan

    @staticmethod
    def exclude_for(section: Section) -> tuple[str, ...]:
        if section is USERS:
            return ("password",)
        if section is ATTACHMENTS:
            return ("file",)
        return ()

    def extra(self, section: Section, obj: Any, row: dict[str, Any], where: str) -> None:
        if section is USERS:
            password = row.get("password")
            if isinstance(password, str) and password:
                obj.password = password
            else:
                obj.set_unusable_password()
        elif section is EXPERTS:
            works = row.get("works", [])
            if not isinstance(works, list) or not all(isinstance(w, dict) for w in works):
                self.problem(f"{where}.works", _("应为 JSON 对象的列表。"))
                return
            for index, work_row in enumerate(works):
                work_where = f"{where}.works[{index}]"
                work = self.build_row(WORKS, work_row, work_where)
                if work is None:
                    continue
                work.expert_id = obj.pk  # type: ignore[attr-defined]
                self.validate(work, WORKS, work_where, ("expert",))
                self.plan.works.append(work)  # type: ignore[arg-type]
        elif section is ATTACHMENTS:
            self.attachment_content(obj, row, where)

    def attachment_content(self, obj: Attachment, row: dict[str, Any], where: str) -> None:
        if (obj.need_id is None) == (obj.achievement_id is None):
            self.problem(where, _("附件须且只能属于一条需求或一条成果。"))
        try:
            content = base64.b64decode(row.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            self.problem(f"{where}.content_base64", _("不是有效的 Base64 编码。"))
            return
        if len(content) != obj.size or hashlib.sha256(content).hexdigest() != obj.sha256:
            self.problem(f"{where}.content_base64", _("文件内容与 size / sha256 不符。"))
            return
        obj.file.name = attachment_path(obj, obj.original_name)
        self.plan.files.append((obj, content))

    def place_tree(self, orgs: list[Any]) -> list[models.Model]:
        """Give each organisation its path and depth from the parent keys; parents first."""
        by_key: dict[int, Any] = {org.pk: org for org in orgs}
        placed: dict[int, tuple[str, int]] = {}

        def place(org: Any, trail: tuple[int, ...]) -> tuple[str, int] | None:
            if org.pk in placed:
                return placed[org.pk]
            if org.pk in trail:
                self.problem(f"organizations#{org.pk}.parent", _("上下级关系形成了环。"))
                return None
            if org.parent_id is None:
                result = (f"/{org.pk}/", 0)
            else:
                parent = by_key.get(org.parent_id)
                above = place(parent, (*trail, org.pk)) if parent is not None else None
                if above is None:
                    return None
                result = (f"{above[0]}{org.pk}/", above[1] + 1)
            placed[org.pk] = result
            org.path, org.depth = result
            return result

        for org in orgs:
            if place(org, ()) is not None:
                self.validate(org, ORGANIZATIONS, f"organizations#{org.pk}")
        return sorted((o for o in orgs if o.pk in placed), key=lambda o: (o.depth, o.pk))


# ---------------------------------------------------------------- writing


@contextlib.contextmanager
def _timestamps_as_given() -> Iterator[None]:
    """Let inserts keep the exported timestamps instead of Django's "now"."""
    saved = []
    for model, name in AUTO_TIMESTAMPS:
        f: Any = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _DryRun(Exception):
    pass


def _insert(plan: _Plan) -> None:
    with _timestamps_as_given():
        for section in SECTIONS:
            rows = plan.rows.get(section.name, [])
            section.model._default_manager.bulk_create(rows, batch_size=500)
            if section is EXPERTS:
                ExpertWork.objects.bulk_create(plan.works, batch_size=500)
    through_rows: dict[type[models.Model], list[models.Model]] = {}
    for obj, name, codes in plan.m2m:
        descriptor = getattr(type(obj), name)
        through = descriptor.through
        source = descriptor.field.m2m_field_name()
        target = descriptor.field.m2m_reverse_field_name()
        through_rows.setdefault(through, []).extend(
            through(**{f"{source}_id": obj.pk, f"{target}_id": code})
            for code in dict.fromkeys(codes)
        )
    for through, rows in through_rows.items():
        through._default_manager.bulk_create(rows, batch_size=500)
    models_with_ids = [s.model for s in SECTIONS] + [ExpertWork]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
            cursor.execute(sql)


def _write_files(plan: _Plan, written: list[str]) -> None:
    for attachment, content in plan.files:
        name = str(attachment.file.name)
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() == attachment.sha256:
                    continue
        stored = default_storage.save(name, ContentFile(content))
        written.append(stored)
        if stored != name:
            Attachment.objects.filter(pk=attachment.pk).update(file=stored)


def import_data(data: dict[str, Any], *, dry_run: bool = False) -> ImportSummary:
    """Import ``data`` into the empty database in one transaction; ``dry_run`` rolls back.

    Raises ``TransferFailed`` listing every problem found; the database is then unchanged.
    """
    check_header(data)
    check_database_empty()
    plan = _Builder(data).build()
    if plan.problems:
        raise TransferFailed(plan.problems)
    counts = {name: len(rows) for name, rows in plan.rows.items()}
    counts["works"] = len(plan.works)
    written: list[str] = []
    try:
        with transaction.atomic():
            _insert(plan)
            if dry_run:
                raise _DryRun
            _write_files(plan, written)
    except _DryRun:
        pass
    except (IntegrityError, DatabaseError) as exc:
        _remove(written)
        raise TransferFailed([_("数据库拒绝了导入的数据：%(error)s") % {"error": exc}]) from exc
    except BaseException:
        _remove(written)
        raise
    return ImportSummary(counts=counts, dry_run=dry_run, files_written=len(written))


def _remove(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
