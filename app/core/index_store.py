"""Keep the matcher's built index on disk, so a process answers without building it again.

An index is stored under a key that digests everything it was built from: the bank's entries
(or the bytes of the files they were read from), the thesaurus, the term vectors, the sentence
model, and the source of the code that builds it. Any change gives another key, so a stored
index is either exactly what a build would produce or it is not found.

Nothing stored is trusted: arrays are read with `allow_pickle=False`, the manifest is JSON
decoded field by field against the types the index holds, the arrays' digest and every shape
and bound are checked, and anything that does not fit is ignored (the caller builds again).
Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.core.bank import PROFILE_FILE, Entry, entry_files
from app.core.normalise import Thesaurus
from app.core.semantic import TermVectors
from app.core.sparse_index import Index, Row, Space, Vectors, index_of

# Bump when the layout of the stored files changes (the code digest covers everything else).
FORMAT = 2
# Stored indexes kept per directory: the current bank's and a few before it, for processes
# still on an older revision.
KEEP = 4
_CORE = Path(__file__).resolve().parent
# The modules whose code decides what an index holds.
CODE_FILES = (
    "bank.py",
    "concepts.py",
    "embeddings.py",
    "guards.py",
    "index_store.py",
    "matching.py",
    "normalise.py",
    "semantic.py",
    "sparse_index.py",
)
_NAME = re.compile(r"^index-([0-9a-f]{64})\.(json|npz)$")
_SPACES = ("words", "chars")
_SPARSE = ("built", "built_t")


class StoreError(ValueError):
    """A stored index that does not fit what this code would build."""


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


def _leaf_kind(hint: Any) -> str:
    """Name how a field of this type is stored as columns; unsupported types are a StoreError."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (str, bool, int, float, date):
        return str(hint.__name__)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        if inner in (str, int, date):
            return f"optional {inner.__name__}"
    if origin in (tuple, frozenset) and args and (origin is frozenset or args[-1] is Ellipsis):
        item = args[0]
        if item in (str, bool):
            return f"{origin.__name__} of {item.__name__}"
        if typing.get_origin(item) is frozenset and typing.get_args(item) == (str,):
            return "tuple of frozenset"
    if origin in (dict, Mapping) and args == (str, str):
        return "mapping"
    raise StoreError(f"cannot store a {hint}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _layout(cls: type) -> tuple[tuple[tuple[str, ...], str], ...]:
    """List a dataclass's leaf fields (nested dataclasses flattened) with how each is stored."""
    hints = _hints(cls)
    out: list[tuple[tuple[str, ...], str]] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            out.extend(((f.name, *path), kind) for path, kind in _layout(hint))
        else:
            out.append(((f.name,), _leaf_kind(hint)))
    return tuple(out)


class _Strings:
    """One table of the distinct strings of everything stored, each written once."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def of(self, values: Iterable[str]) -> np.ndarray:
        ids = self.ids
        # A list comprehension is about twice as fast as a generator fed to fromiter here.
        return np.array([ids.setdefault(v, len(ids)) for v in values], dtype=np.int32)


def _ragged(lengths: Iterable[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.fromiter(lengths, dtype=np.int64))])


def _encode(
    objects: Sequence[Any], cls: type, prefix: str, strings: _Strings
) -> dict[str, np.ndarray]:
    """Store a sequence of dataclass instances column by column."""
    arrays: dict[str, np.ndarray] = {}
    for path, kind in _layout(cls):
        name = f"{prefix}.{'.'.join(path)}"
        values: list[Any] = []
        for obj in objects:
            for part in path:
                obj = getattr(obj, part)
            values.append(obj)
        if kind == "str":
            arrays[name] = strings.of(values)
        elif kind in ("bool", "int", "float"):
            arrays[name] = np.array(values, dtype={"bool": bool, "int": np.int64}.get(kind, float))
        elif kind == "date":
            arrays[name] = strings.of(v.isoformat() for v in values)
        elif kind.startswith("optional"):
            arrays[f"{name}.present"] = np.array([v is not None for v in values], dtype=bool)
            present = [v for v in values if v is not None]
            if kind == "optional int":
                arrays[name] = np.array(present, dtype=np.int64)
            else:
                arrays[name] = strings.of(
                    v if isinstance(v, str) else v.isoformat() for v in present
                )
        elif kind in ("tuple of str", "frozenset of str", "tuple of bool"):
            items = [sorted(v) if kind == "frozenset of str" else v for v in values]
            arrays[f"{name}.offsets"] = _ragged(len(v) for v in items)
            flat = [x for v in items for x in v]
            arrays[name] = (
                np.array(flat, dtype=bool) if kind == "tuple of bool" else strings.of(flat)
            )
        elif kind == "tuple of frozenset":
            sets = [sorted(s) for v in values for s in v]
            arrays[f"{name}.offsets"] = _ragged(len(v) for v in values)
            arrays[f"{name}.inner"] = _ragged(len(s) for s in sets)
            arrays[name] = strings.of(x for s in sets for x in s)
        elif kind == "mapping":
            pairs = [sorted(v.items()) for v in values]
            arrays[f"{name}.offsets"] = _ragged(len(p) for p in pairs)
            arrays[f"{name}.keys"] = strings.of(k for p in pairs for k, _ in p)
            arrays[name] = strings.of(x for p in pairs for _, x in p)
    return arrays


def _array(arrays: Mapping[str, np.ndarray], name: str, kinds: str, length: int) -> list[Any]:
    value = arrays[name]
    if value.ndim != 1 or value.dtype.kind not in kinds or len(value) != length:
        raise StoreError(f"{name}: unexpected shape or type")
    return typing.cast(list[Any], value.tolist())


def _offsets(arrays: Mapping[str, np.ndarray], name: str, count: int, total: int) -> list[int]:
    offsets = arrays[name]
    if offsets.shape != (count + 1,) or offsets.dtype.kind != "i":
        raise StoreError(f"{name}: unexpected shape or type")
    if offsets[0] != 0 or offsets[-1] != total or bool((np.diff(offsets) < 0).any()):
        raise StoreError(f"{name}: offsets out of order")
    return typing.cast(list[int], offsets.tolist())


def _decode(
    arrays: Mapping[str, np.ndarray], cls: type, prefix: str, table: Sequence[str], count: int
) -> list[Any]:
    """Rebuild dataclass instances stored by `_encode`, checking every column."""
    columns: dict[tuple[str, ...], list[Any]] = {}

    def texts(name: str, length: int) -> list[str]:
        ids = _array(arrays, name, "i", length)
        if ids and (min(ids) < 0 or max(ids) >= len(table)):
            raise StoreError(f"{name}: unknown string")
        return [table[i] for i in ids]

    for path, kind in _layout(cls):
        name = f"{prefix}.{'.'.join(path)}"
        if kind == "str":
            column: list[Any] = texts(name, count)
        elif kind in ("bool", "int", "float"):
            column = _array(arrays, name, {"bool": "b", "int": "i", "float": "f"}[kind], count)
        elif kind == "date":
            column = [date.fromisoformat(v) for v in texts(name, count)]
        elif kind.startswith("optional"):
            present = _array(arrays, f"{name}.present", "b", count)
            n = sum(present)
            if kind == "optional int":
                given = iter(_array(arrays, name, "i", n))
            elif kind == "optional date":
                given = iter([date.fromisoformat(v) for v in texts(name, n)])
            else:
                given = iter(texts(name, n))
            column = [next(given) if p else None for p in present]
        elif kind in ("tuple of str", "frozenset of str", "tuple of bool"):
            total = len(arrays[name])
            offsets = _offsets(arrays, f"{name}.offsets", count, total)
            flat = (
                _array(arrays, name, "b", total) if kind == "tuple of bool" else texts(name, total)
            )
            make = frozenset if kind == "frozenset of str" else tuple
            column = [make(flat[a:b]) for a, b in itertools.pairwise(offsets)]
        elif kind == "tuple of frozenset":
            total = len(arrays[name])
            inner_count = len(arrays[f"{name}.inner"]) - 1
            outer = _offsets(arrays, f"{name}.offsets", count, inner_count)
            inner = _offsets(arrays, f"{name}.inner", inner_count, total)
            flat = texts(name, total)
            none: frozenset[str] = frozenset()
            sets = [frozenset(flat[a:b]) if b > a else none for a, b in itertools.pairwise(inner)]
            column = [tuple(sets[a:b]) for a, b in itertools.pairwise(outer)]
        else:
            total = len(arrays[name])
            offsets = _offsets(arrays, f"{name}.offsets", count, total)
            keys, values = texts(f"{name}.keys", total), texts(name, total)
            column = [
                dict(zip(keys[a:b], values[a:b], strict=True))
                for a, b in itertools.pairwise(offsets)
            ]
        columns[path] = column
    return _instances(cls, columns, (), count)


def _instances(
    cls: type, columns: Mapping[tuple[str, ...], list[Any]], path: tuple[str, ...], count: int
) -> list[Any]:
    """Build `count` instances of a dataclass from its columns, nested dataclasses first."""
    hints = _hints(cls)
    names: list[str] = []
    parts: list[list[Any]] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint = hints[f.name]
        names.append(f.name)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            parts.append(_instances(hint, columns, (*path, f.name), count))
        else:
            parts.append(columns[(*path, f.name)])
    if hasattr(cls, "__post_init__") or not all(len(p) == count for p in parts):
        return list(itertools.starmap(cls, zip(*parts, strict=True)))
    # What the generated __init__ would do, without one object.__setattr__ call per field of a
    # frozen dataclass: a third of a warm start at 10,000 entries.
    new = object.__new__
    out: list[Any] = [new(cls) for _ in range(count)]
    for obj, values in zip(out, zip(*parts, strict=True), strict=True):
        obj.__dict__.update(zip(names, values, strict=True))
    return out


def _array_fields() -> tuple[str, ...]:
    hints = typing.get_type_hints(Index)
    return tuple(f.name for f in dataclasses.fields(Index) if hints[f.name] is np.ndarray)


class IndexStore:
    """A directory of built indexes, one pair of files (JSON manifest and .npz arrays) per key."""

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
        return self.directory / f"index-{key}.json", self.directory / f"index-{key}.npz"

    def load(self, key: str) -> Index | None:
        """Return the index stored under the key, or None when it is absent or does not fit."""
        manifest_path, arrays_path = self._paths(key)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            blob = arrays_path.read_bytes()
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        try:
            return _restore(manifest, blob, key=key)
        except Exception:  # noqa: BLE001 - whatever is wrong with a stored index, build again
            return None

    def save(self, key: str, index: Index) -> bool:
        """Store an index under its key; tell whether it was stored (a store may be read-only)."""
        manifest_path, arrays_path = self._paths(key)
        try:
            manifest, arrays = _pack(index)
            buffer = io.BytesIO()
            np.savez(buffer, allow_pickle=False, **arrays)
            blob = buffer.getvalue()
            manifest.update(format=FORMAT, key=key, arrays_sha256=hashlib.sha256(blob).hexdigest())
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
    strings = _Strings()
    arrays.update(_encode(index.rows, Row, "rows", strings))
    arrays.update(_encode(list(index.entries.values()), Entry, "entries", strings))
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


def _restore(manifest: Any, blob: bytes, *, key: str) -> Index:
    """Rebuild an index from its stored parts, checking each against the rest."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StoreError("another format")
    if manifest.get("key") != key:
        raise StoreError("stored under another key")
    if manifest.get("arrays_sha256") != hashlib.sha256(blob).hexdigest():
        raise StoreError("the arrays do not match their digest")
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    table = _strings(manifest["strings"])
    rows = tuple(_decode(arrays, Row, "rows", table, _checked(int, manifest["rows"])))
    stored = _decode(arrays, Entry, "entries", table, _checked(int, manifest["entries"]))
    entries = {entry.id: entry for entry in stored}
    if len(entries) != len(stored) or any(row.entry_id not in entries for row in rows):
        raise StoreError("a row names an entry the index does not hold")
    spaces: dict[str, Vectors] = {}
    for name in _SPACES:
        space = Space(chars=name == "chars")
        vocab = _strings(manifest[f"{name}_vocab"])
        space.vocab = {feature: column for column, feature in enumerate(vocab)}
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
        rows=rows, words=spaces["words"], chars=spaces["chars"], **extra, entries=entries
    )
