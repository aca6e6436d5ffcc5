"""Frozen dataclasses that cost less to define.

``@dataclass(frozen=True)`` writes and compiles six to ten methods per class when its module
is imported (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__`` and, with ``order``, four comparisons): about 0.7 ms a class, a fifth of
what a pre-commit run on one file costs in all. :func:`value` makes the same class with one
compiled method, ``__init__``; the others are shared functions that read the fields through
an ``operator.attrgetter`` made once per class. The result is a dataclass
(``dataclasses.replace``, ``fields`` and ``asdict`` work) that behaves as a frozen one:
assigning a field raises ``FrozenInstanceError``; equality, hashing, ordering and ``repr``
are those of ``@dataclass(frozen=True[, order=True])``.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def value(cls: T | None = None, /, *, order: bool = False):
    """``@dataclass(frozen=True)``, or with ``order=True`` ``@dataclass(frozen=True,
    order=True)``, cheaper to define (see the module's docstring)."""

    def wrap(cls: T) -> T:
        return _make(cls, order)

    return wrap if cls is None else wrap(cls)


def _make(cls: T, order: bool) -> T:
    cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False)
    fields = dataclasses.fields(cls)
    cls.__init__ = _init(cls, fields)
    key = _getter([f.name for f in fields if f.compare])
    hashed = _getter([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    shown = tuple(f.name for f in fields if f.repr)

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    def __hash__(self):
        return hash(hashed(self))

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    methods = {"__eq__": __eq__, "__hash__": __hash__, "__repr__": __repr__, "__setattr__": _setattr, "__delattr__": _delattr}
    if order:
        methods.update(zip(("__lt__", "__le__", "__gt__", "__ge__"), _comparisons(key)))
    for name, method in methods.items():
        # As dataclass does, a method the class writes itself stays.
        if name not in cls.__dict__:
            setattr(cls, name, method)
    return cls


def _comparisons(key):
    def __lt__(self, other):
        if other.__class__ is self.__class__:
            return key(self) < key(other)
        return NotImplemented

    def __le__(self, other):
        if other.__class__ is self.__class__:
            return key(self) <= key(other)
        return NotImplemented

    def __gt__(self, other):
        if other.__class__ is self.__class__:
            return key(self) > key(other)
        return NotImplemented

    def __ge__(self, other):
        if other.__class__ is self.__class__:
            return key(self) >= key(other)
        return NotImplemented

    return __lt__, __le__, __gt__, __ge__


def _getter(names: list[str]):
    """A function from an instance to the tuple of these fields' values."""
    if not names:
        return lambda self: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names)


def _init(cls: type, fields: tuple[dataclasses.Field, ...]):
    """The ``__init__`` a frozen dataclass would have: fields in order, defaults and
    default factories, values set past the frozen ``__setattr__``."""
    params, body = [], []
    env: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": dataclasses.MISSING}
    for f in fields:
        if f.default is not dataclasses.MISSING:
            env[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f" if {f.name} is _MISSING: {f.name} = _f_{f.name}()")
        else:
            params.append(f.name)
        body.append(f" _set(self, {f.name!r}, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or " pass") + "\n"
    namespace: dict[str, Any] = {}
    exec(source, env, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _setattr(self, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
