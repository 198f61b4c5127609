"""Keep the matcher's built index on disk, so a process answers without building it again.

An index is stored under a key that digests everything it was built from: the bank's entries
(or the bytes of the files they were read from), the thesaurus, the term vectors, the sentence
model, and the source of the code that builds it. Any change gives another key, so a stored
index is either exactly what a build would produce or it is not found.

Nothing stored is trusted: the arrays file holds raw numbers only (each array's type, shape
and place are listed in the manifest, and only numeric types are read), the manifest is JSON
decoded field by field against the types the index holds, the arrays' digest and every shape
and bound are checked, and anything that does not fit is ignored (the caller builds again).
Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.core import columns
from app.core.bank import PROFILE_FILE, Entry, entry_files
from app.core.collector import collector_paused
from app.core.columns import Lazy, StoreError
from app.core.normalise import Thesaurus
from app.core.semantic import TermVectors
from app.core.sparse_index import Index, Row, Space, Vectors, index_of

# Bump when the layout of the stored files changes (the code digest covers everything else).
FORMAT = 3
# Stored indexes kept per directory: the current bank's and a few before it, for processes
# still on an older revision.
KEEP = 4
_CORE = Path(__file__).resolve().parent
# The modules whose code decides what an index holds.
CODE_FILES = (
    "bank.py",
    "columns.py",
    "concepts.py",
    "embeddings.py",
    "guards.py",
    "index_store.py",
    "matching.py",
    "normalise.py",
    "semantic.py",
    "sparse_index.py",
)
# Earlier formats kept their arrays in .npz files: still matched, so pruning removes them.
_NAME = re.compile(r"^index-([0-9a-f]{64})\.(json|bin|npz)$")
_ALIGN = 16
_SPACES = ("words", "chars")
_SPARSE = ("built", "built_t")


@cache
def code_fingerprint() -> str:
    """Digest the source of the modules that build an index."""
    digest = hashlib.sha256()
    for name in CODE_FILES:
        path = _CORE / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def canonical(value: Any) -> Any:
    """Turn dataclasses, tuples, sets, mappings and dates into JSON with a stable order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(canonical(v) for v in value)
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


def entries_digest(entries: Iterable[Entry]) -> str:
    """Digest entries' content in their order (the order decides ties, so it counts)."""
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(json.dumps(canonical(entry), sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def files_digest(paths: Iterable[Path], *, root: Path) -> str:
    """Digest files' names (relative to root) and bytes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def bank_files_digest(directory: Path) -> str:
    """Digest the files a bank directory's entries and profile are read from."""
    paths = [*entry_files(directory), directory / PROFILE_FILE]
    return files_digest((p for p in paths if p.is_file()), root=directory)


def vectors_digest(vectors: TermVectors | None) -> str:
    """Digest term vectors (empty when matching on wording alone)."""
    if vectors is None:
        return ""
    digest = hashlib.sha256("\n".join(vectors.terms).encode())
    digest.update(np.ascontiguousarray(vectors.vectors).tobytes())
    digest.update(np.ascontiguousarray(vectors.idf).tobytes())
    digest.update(repr(vectors.baseline).encode())
    return digest.hexdigest()


def _checked(kind: type, value: Any) -> Any:
    """Return a decoded JSON value when it has the wanted type (an int passes for a float)."""
    if type(value) is not kind and not (kind is float and type(value) is int):
        raise StoreError(f"expected {kind.__name__}, found {type(value).__name__}")
    if kind is float:
        return float(typing.cast(float, value))
    return value


def _array_fields() -> tuple[str, ...]:
    hints = typing.get_type_hints(Index)
    return tuple(f.name for f in dataclasses.fields(Index) if hints[f.name] is np.ndarray)


class IndexStore:
    """A directory of built indexes, one pair of files (JSON manifest and raw arrays) per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def key(
        self,
        *,
        source: str | Sequence[Entry],
        thesaurus: Thesaurus,
        term_vectors: TermVectors | None,
        embedder: str,
    ) -> str:
        """Digest everything an index is built from; `source` is a digest or the entries."""
        parts = (
            f"format {FORMAT}",
            code_fingerprint(),
            source if isinstance(source, str) else entries_digest(source),
            json.dumps(canonical(thesaurus), sort_keys=True),
            vectors_digest(term_vectors),
            embedder,
        )
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError("an index key is a SHA-256 hex digest")
        return self.directory / f"index-{key}.json", self.directory / f"index-{key}.bin"

    def load(self, key: str) -> Index | None:
        """Return the index stored under the key, or None when it is absent or does not fit."""
        manifest_path, arrays_path = self._paths(key)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                return None
            arrays, digest = read_arrays(arrays_path, manifest.get("arrays"))
        except (OSError, UnicodeDecodeError, ValueError, TypeError, StoreError):
            return None
        try:
            with collector_paused():
                return _restore(manifest, arrays, digest, key=key)
        except Exception:  # noqa: BLE001 - whatever is wrong with a stored index, build again
            return None

    def save(self, key: str, index: Index) -> bool:
        """Store an index under its key; tell whether it was stored (a store may be read-only)."""
        manifest_path, arrays_path = self._paths(key)
        try:
            manifest, arrays = _pack(index)
            layout, blob = pack_arrays(arrays)
            manifest.update(
                format=FORMAT,
                key=key,
                arrays=layout,
                arrays_sha256=hashlib.sha256(blob).hexdigest(),
            )
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(arrays_path, blob)
            # The manifest names the arrays' digest, so it goes last: a reader that finds it
            # finds the arrays it describes.
            _write_atomically(manifest_path, json.dumps(manifest).encode())
        except (OSError, TypeError, StoreError):
            return False
        self._prune(keep={manifest_path.name, arrays_path.name})
        return True

    def _prune(self, *, keep: set[str]) -> None:
        """Drop all but the most recent stored indexes."""
        try:
            stored = [p for p in self.directory.iterdir() if _NAME.match(p.name)]
            stored.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        keys: list[str] = []
        for path in stored:
            match = _NAME.match(path.name)
            if match and match.group(1) not in keys:
                keys.append(match.group(1))
        for path in stored:
            match = _NAME.match(path.name)
            if match and path.name not in keep and match.group(1) not in keys[:KEEP]:
                with contextlib.suppress(OSError):
                    path.unlink()


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _pack(index: Index) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Split an index into JSON-ready data and named arrays."""
    arrays: dict[str, np.ndarray] = {}
    manifest: dict[str, Any] = {}
    for name in _SPACES:
        vectors: Vectors = getattr(index, name)
        manifest[f"{name}_vocab"] = list(vectors.space.vocab)
        manifest[f"{name}_unseen_idf"] = vectors.space.unseen_idf
        arrays[f"{name}_idf"] = vectors.space.idf
        for part in _SPARSE:
            matrix: sp.csr_matrix = getattr(vectors, part)
            arrays[f"{name}_{part}_data"] = matrix.data
            arrays[f"{name}_{part}_indices"] = matrix.indices
            arrays[f"{name}_{part}_indptr"] = matrix.indptr
            arrays[f"{name}_{part}_shape"] = np.array(matrix.shape, dtype=np.int64)
    for name in _array_fields():
        arrays[name] = getattr(index, name)
    strings = columns.Strings()
    arrays.update(columns.encode(index.rows, Row, "rows", strings))
    arrays.update(columns.encode(list(index.entries.values()), Entry, "entries", strings))
    manifest["rows"] = len(index.rows)
    manifest["entries"] = len(index.entries)
    manifest["strings"] = list(strings.ids)
    return manifest, arrays


def _strings(value: Any) -> list[str]:
    """Return a stored list of text, refusing anything else."""
    if type(value) is not list or not set(map(type, value)) <= {str}:
        raise StoreError("expected a list of text")
    return value


def _sparse(arrays: Mapping[str, np.ndarray], prefix: str, dtype: type) -> sp.csr_matrix:
    shape = tuple(int(n) for n in arrays[f"{prefix}_shape"])
    data, indices, indptr = (arrays[f"{prefix}_{p}"] for p in ("data", "indices", "indptr"))
    if len(shape) != 2 or data.dtype != dtype or indices.dtype.kind != "i":
        raise StoreError(f"{prefix}: unexpected shape or type")
    if indptr.dtype.kind != "i" or len(indptr) != shape[0] + 1:
        raise StoreError(f"{prefix}: unexpected row pointers")
    matrix = sp.csr_matrix((data, indices, indptr), shape=shape)
    matrix.check_format(full_check=True)
    return matrix


def pack_arrays(arrays: Mapping[str, np.ndarray]) -> tuple[list[dict[str, Any]], bytes]:
    """Lay numeric arrays end to end, each aligned; return their layout and the bytes."""
    layout: list[dict[str, Any]] = []
    parts: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise StoreError(f"{name}: only numbers are stored")
        pad = -offset % _ALIGN
        parts.append(bytes(pad))
        offset += pad
        contiguous = np.ascontiguousarray(array)
        layout.append(
            {"name": name, "dtype": contiguous.dtype.str, "shape": list(array.shape), "at": offset}
        )
        parts.append(contiguous.tobytes())
        offset += contiguous.nbytes
    return layout, b"".join(parts)


def read_arrays(path: Path, layout: Any) -> tuple[dict[str, np.ndarray], str]:
    """Read the arrays a layout places in a file, each into memory of its own, and the digest.

    Each array is read straight from the file into its own allocation: views of one buffer
    would each be copied out again by scipy's sparse matrices (they copy a small view of a
    large array). Any array that does not lie in order within the file is refused.
    """
    if type(layout) is not list:
        raise StoreError("expected a list of arrays")
    arrays: dict[str, np.ndarray] = {}
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        position = 0
        for item in layout:
            if type(item) is not dict:
                raise StoreError("expected an array's place")
            name = _checked(str, item.get("name"))
            dtype = np.dtype(_checked(str, item.get("dtype")))
            shape = [_checked(int, n) for n in _checked(list, item.get("shape"))]
            at = _checked(int, item.get("at"))
            if dtype.kind not in "biuf" or not dtype.isnative or name in arrays:
                raise StoreError(f"{name}: not a stored array of numbers")
            nbytes = math.prod(shape) * dtype.itemsize
            if min(shape, default=0) < 0 or not position <= at <= at + nbytes <= size:
                raise StoreError(f"{name}: does not fit the arrays file")
            digest.update(handle.read(at - position))
            array = np.empty(shape, dtype=dtype)
            if nbytes:
                place = array.data.cast("B")
                if handle.readinto(place) != nbytes:
                    raise StoreError(f"{name}: the file ended early")
                digest.update(place)
            arrays[name] = array
            position = at + nbytes
        digest.update(handle.read())
    return arrays, digest.hexdigest()


def _restore(
    manifest: dict[str, Any], arrays: Mapping[str, np.ndarray], digest: str, *, key: str
) -> Index:
    """Rebuild an index from its stored parts, checking each against the rest."""
    if manifest.get("format") != FORMAT:
        raise StoreError("another format")
    if manifest.get("key") != key:
        raise StoreError("stored under another key")
    if manifest.get("arrays_sha256") != digest:
        raise StoreError("the arrays do not match their digest")
    table = _strings(manifest["strings"])
    count = _checked(int, manifest["rows"])
    # Rows are built as they are scored: a question needs a few dozen of a bank's thousands.
    rows = Lazy(columns.column(arrays, Row, "rows", table, count), count)
    row_entries = columns.strings(arrays, "rows.entry_id", table, count)
    row_keys = columns.strings(arrays, "rows.text.key", table, count)
    row_terms = Lazy(columns.reader(arrays, "rows.text.terms", "tuple of str", table, count), count)
    stored = columns.decode(arrays, Entry, "entries", table, _checked(int, manifest["entries"]))
    entries = {entry.id: entry for entry in stored}
    if len(entries) != len(stored) or not set(row_entries) <= entries.keys():
        raise StoreError("a row names an entry the index does not hold")
    spaces: dict[str, Vectors] = {}
    for name in _SPACES:
        space = Space(chars=name == "chars")
        vocab = _strings(manifest[f"{name}_vocab"])
        space.vocab = dict(zip(vocab, range(len(vocab)), strict=True))
        if len(space.vocab) != len(vocab):
            raise StoreError(f"{name}: repeated features")
        space.idf = arrays[f"{name}_idf"]
        space.unseen_idf = _checked(float, manifest[f"{name}_unseen_idf"])
        built = _sparse(arrays, f"{name}_built", np.float32)
        built_t = _sparse(arrays, f"{name}_built_t", np.float32)
        width = len(vocab)
        if space.idf.dtype != np.float64 or space.idf.shape != (width,):
            raise StoreError(f"{name}: idf does not fit the vocabulary")
        if built.shape != (len(rows), width) or built_t.shape != (width, len(rows)):
            raise StoreError(f"{name}: vectors do not fit the rows")
        spaces[name] = Vectors(space=space, built=built, built_t=built_t)
    extra: dict[str, np.ndarray] = {}
    for name in _array_fields():
        value = arrays[name]
        if value.ndim < 1 or value.shape[0] != len(rows) or value.dtype.kind not in "fb":
            raise StoreError(f"{name}: does not fit the rows")
        extra[name] = value
    return index_of(
        rows=rows,
        row_entries=row_entries,
        row_keys=row_keys,
        row_terms=row_terms,
        words=spaces["words"],
        chars=spaces["chars"],
        **extra,
        entries=entries,
    )
