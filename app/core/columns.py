"""Dataclass instances stored as numpy columns, read back checked and built only when used.

The matcher's index keeps its rows and entries this way (see app/core/index_store.py): one
array per leaf field (nested dataclasses flattened), strings as indexes into one table of
distinct strings, variable-length fields as a flat array with offsets. Reading checks every
column's type, length, offsets and string indexes at once; each instance is then built the
first time it is read, so a process that answers one question builds the few rows it scores
rather than all of a large bank's.
"""

from __future__ import annotations

import dataclasses
import threading
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any, TypeVar, overload

import numpy as np

T = TypeVar("T")


class StoreError(ValueError):
    """A stored index that does not fit what this code would build."""


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


class Strings:
    """One table of the distinct strings of everything stored, each written once."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def of(self, values: Iterable[str]) -> np.ndarray:
        ids = self.ids
        # A list comprehension is about twice as fast as a generator fed to fromiter here.
        return np.array([ids.setdefault(v, len(ids)) for v in values], dtype=np.int32)


def _ragged(lengths: Iterable[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.fromiter(lengths, dtype=np.int64))])


def encode(
    objects: Sequence[Any], cls: type, prefix: str, strings: Strings
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


def _array(arrays: Mapping[str, np.ndarray], name: str, kinds: str, length: int) -> np.ndarray:
    value = arrays[name]
    if value.ndim != 1 or value.dtype.kind not in kinds or len(value) != length:
        raise StoreError(f"{name}: unexpected shape or type")
    return value


def _offsets(arrays: Mapping[str, np.ndarray], name: str, count: int, total: int) -> list[int]:
    offsets = arrays[name]
    if offsets.shape != (count + 1,) or offsets.dtype.kind != "i":
        raise StoreError(f"{name}: unexpected shape or type")
    if offsets[0] != 0 or offsets[-1] != total or bool((np.diff(offsets) < 0).any()):
        raise StoreError(f"{name}: offsets out of order")
    return typing.cast(list[int], offsets.tolist())


Reader = Callable[[int], Any]


def _table(table: Sequence[str]) -> np.ndarray:
    """The string table as an array of the same str objects, to gather columns from at once."""
    out = np.empty(len(table), dtype=object)
    out[:] = table
    return out


def _leaf_reader(  # noqa: PLR0911 - one branch per stored kind
    arrays: Mapping[str, np.ndarray], name: str, kind: str, table: np.ndarray, count: int
) -> Reader:
    """Check one leaf field's columns and return what reads its value for instance i."""

    def texts(column: str, length: int) -> list[str]:
        """A column's strings, each index checked to name a string of the table."""
        ids = _array(arrays, column, "i", length)
        if length and (int(ids.min()) < 0 or int(ids.max()) >= len(table)):
            raise StoreError(f"{column}: unknown string")
        # One gather in C for the whole column: a Python lookup per string cost more than
        # building the rows that use them.
        return typing.cast(list[str], table[ids].tolist())

    if kind == "str":
        return texts(name, count).__getitem__
    if kind in ("bool", "int", "float"):
        kinds = {"bool": "b", "int": "i", "float": "f"}[kind]
        values: list[Any] = _array(arrays, name, kinds, count).tolist()
        return values.__getitem__
    if kind == "date":
        days = texts(name, count)
        return lambda i: date.fromisoformat(days[i])
    if kind.startswith("optional"):
        present = _array(arrays, f"{name}.present", "b", count)
        # Where each instance's value sits among the values present.
        position = (np.cumsum(present) - 1).tolist()
        flags = present.tolist()
        n = int(present.sum())
        if kind == "optional int":
            given: list[Any] = _array(arrays, name, "i", n).tolist()
        else:
            given = texts(name, n)
            if kind == "optional date":
                given = [date.fromisoformat(v) for v in given]
        return lambda i: given[position[i]] if flags[i] else None
    total = len(arrays[name])
    if kind in ("tuple of str", "frozenset of str", "tuple of bool"):
        offsets = _offsets(arrays, f"{name}.offsets", count, total)
        flat: list[Any] = (
            _array(arrays, name, "b", total).tolist()
            if kind == "tuple of bool"
            else texts(name, total)
        )
        make = frozenset if kind == "frozenset of str" else tuple
        return lambda i: make(flat[offsets[i] : offsets[i + 1]])
    if kind == "tuple of frozenset":
        inner_count = len(arrays[f"{name}.inner"]) - 1
        outer = _offsets(arrays, f"{name}.offsets", count, inner_count)
        inner = _offsets(arrays, f"{name}.inner", inner_count, total)
        items = texts(name, total)
        return lambda i: tuple(
            frozenset(items[inner[s] : inner[s + 1]]) for s in range(outer[i], outer[i + 1])
        )
    offsets = _offsets(arrays, f"{name}.offsets", count, total)
    keys, values = texts(f"{name}.keys", total), texts(name, total)
    return lambda i: dict(
        zip(keys[offsets[i] : offsets[i + 1]], values[offsets[i] : offsets[i + 1]], strict=True)
    )


def _reader(
    cls: type,
    leaves: Mapping[tuple[str, ...], Reader],
    path: tuple[str, ...],
) -> Reader:
    """Return what builds instance i of a dataclass from its leaf readers, nested ones first."""
    hints = _hints(cls)
    names: list[str] = []
    parts: list[Reader] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint = hints[f.name]
        names.append(f.name)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            parts.append(_reader(hint, leaves, (*path, f.name)))
        else:
            parts.append(leaves[(*path, f.name)])
    if hasattr(cls, "__post_init__"):
        return lambda i: cls(*(part(i) for part in parts))
    new = object.__new__

    def build(i: int) -> Any:
        # What the generated __init__ would do, without one object.__setattr__ call per field
        # of a frozen dataclass.
        obj: Any = new(cls)
        obj.__dict__.update(zip(names, [part(i) for part in parts], strict=True))
        return obj

    return build


def column(
    arrays: Mapping[str, np.ndarray], cls: type, prefix: str, table: Sequence[str], count: int
) -> Callable[[int], Any]:
    """Check the columns `encode` stored and return what builds instance i of them."""
    strings = _table(table)
    leaves = {
        path: _leaf_reader(arrays, f"{prefix}.{'.'.join(path)}", kind, strings, count)
        for path, kind in _layout(cls)
    }
    return _reader(cls, leaves, ())


def reader(
    arrays: Mapping[str, np.ndarray], name: str, kind: str, table: Sequence[str], count: int
) -> Reader:
    """Check one stored leaf column (a `_layout` kind) and return what reads its value i."""
    return _leaf_reader(arrays, name, kind, _table(table), count)


def strings(
    arrays: Mapping[str, np.ndarray], name: str, table: Sequence[str], count: int
) -> list[str]:
    """Read one stored string column whole, checked."""
    read = _leaf_reader(arrays, name, "str", _table(table), count)
    return [read(i) for i in range(count)]


def decode(
    arrays: Mapping[str, np.ndarray], cls: type, prefix: str, table: Sequence[str], count: int
) -> list[Any]:
    """Rebuild every instance `encode` stored, checking every column."""
    build = column(arrays, cls, prefix, table, count)
    return [build(i) for i in range(count)]


class Lazy(Sequence[T]):
    """A read-only sequence whose items are built the first time each is read."""

    def __init__(self, build: Callable[[int], T], count: int) -> None:
        self._build = build
        self._built: list[T | None] = [None] * count
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._built)

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...

    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        item = self._built[i]
        if item is None:
            position = range(len(self))[i]  # an IndexError past either end, as a tuple gives
            with self._lock:
                item = self._built[position]
                if item is None:
                    item = self._built[position] = self._build(position)
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))
