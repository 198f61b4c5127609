"""Read Word questionnaires' tables, write only the answer cells, and prove nothing else changed."""

from app.core.document.reader import read_document
from app.core.document.writer import check_document_fidelity, fill_document

__all__ = ["check_document_fidelity", "fill_document", "read_document"]
