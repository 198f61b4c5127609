"""Remembered sheet mappings: a mapping a user confirmed serves every workbook of the same template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from app.config import Settings
from app.core.workbook import Detection, SheetMapping
from app.db import Database, insert_missing, locked
from app.models import TemplateMapping, utcnow
from app.services import audit
from app.services.workbooks import detect


@dataclass(frozen=True)
class TemplateDetection:
    """A detection, the fingerprint of the template it came from, and where its mapping came from."""

    detection: Detection
    template: str
    source: str  # "detected" | "given" | "remembered"


def mapping_from_dict(item: dict[str, Any]) -> SheetMapping:
    """Rebuilds a sheet mapping stored as JSON."""
    return SheetMapping(
        sheet=str(item["sheet"]),
        header_row=int(item["header_row"]),
        question_column=str(item["question_column"]),
        answer_columns=tuple(str(c) for c in item["answer_columns"]),
        detail_column=item.get("detail_column"),
        id_column=item.get("id_column"),
        choice_marks=tuple(str(m) for m in item.get("choice_marks", ())),
    )


def remembered(*, db_session: Session, template: str) -> list[SheetMapping] | None:
    """Returns the mapping confirmed for a template, if any."""
    record = db_session.get(TemplateMapping, template)
    if record is None:
        return None
    return [mapping_from_dict(item) for item in record.mappings]


def remember(
    *, db_session: Session, template: str, mappings: Sequence[SheetMapping], actor: str
) -> TemplateMapping:
    """Records a confirmed mapping for a template (replacing an earlier one)."""
    insert_missing(
        db_session,
        TemplateMapping,
        fingerprint=template,
        mappings=[],
        confirmed_by=actor,
        confirmed_at=utcnow(),
        uses=0,
    )
    record = locked(db_session, TemplateMapping, template)
    assert record is not None
    before = record.mappings
    record.mappings = [asdict(m) for m in mappings]
    record.confirmed_by = actor
    record.confirmed_at = utcnow()
    db_session.add(record)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="template.remember",
        target=f"template:{template[:16]}",
        details={"before": before, "after": record.mappings},
    )
    return record


def detect_with_memory(
    *,
    database: Database,
    content: bytes,
    settings: Settings,
    mappings: Sequence[SheetMapping] | None,
    actor: str,
) -> TemplateDetection:
    """Detects a workbook's rows, using a given mapping (and remembering it) or a remembered one."""
    automatic = detect(content=content, settings=settings)
    template = automatic.fingerprint
    if mappings:
        with database.session(write=True) as db_session:
            remember(db_session=db_session, template=template, mappings=mappings, actor=actor)
        return TemplateDetection(
            detect(content=content, settings=settings, mappings=mappings), template, "given"
        )
    with database.session() as db_session:
        known = remembered(db_session=db_session, template=template)
    if not known:
        return TemplateDetection(automatic, template, "detected")
    with database.session(write=True) as db_session:
        record = locked(db_session, TemplateMapping, template)
        if record is not None:
            record.uses += 1
            db_session.add(record)
    return TemplateDetection(
        detect(content=content, settings=settings, mappings=known), template, "remembered"
    )
