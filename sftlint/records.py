"""Plain data classes that cost next to nothing to define.

:func:`dataclasses.dataclass` writes the source of ``__init__``, ``__repr__`` and ``__eq__`` for
every class and compiles it with ``exec``: about half a millisecond a class. The linter defines
some twenty such classes on the way to linting one file, which made them a tenth of a one-file
``sftlint check``. :func:`record` gives the same declarations (annotated fields, defaults,
``field(default_factory=...)``, ``frozen=True``) with generic methods shared by every class, so
defining one costs a few microseconds. Building an instance through the generic ``__init__`` costs
a few times more than with a dataclass; a class built often (a rule context per rule per file, a
canonical setting per key) gets its own compiled ``__init__`` after its first instances, so a run
over many files pays the dataclass price only for the classes that earn it back.

Annotations are read as written and never evaluated; a field annotated ``ClassVar[...]`` is a
class attribute, as with dataclasses. Inheritance between records is not supported (nothing
needs it).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # every Python version, as type checkers see it
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform  # novermin (only on 3.11 and later)
else:  # Python 3.10 at run time: only type checkers read the marker, so a no-op stands in
    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda function: function

_MISSING = object()


class Field:
    """A field's default and whether it shows in ``repr`` and takes part in ``==``."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
                 repr: bool = True, compare: bool = True) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None, repr: bool = True,
          compare: bool = True) -> Any:
    """Like :func:`dataclasses.field`: a default, a factory for mutable defaults, repr and compare."""
    return Field(default, default_factory, repr, compare)


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: type | None = None, *, frozen: bool = False) -> Any:
    """Turn the annotated class attributes of ``cls`` into fields, as ``@dataclass`` does.

    Declared a dataclass transform, so type checkers see the generated ``__init__`` and fields."""
    if cls is None:
        return lambda cls: _build(cls, frozen)
    return _build(cls, frozen)


def _build(cls: type, frozen: bool) -> type:
    fields: list[Field] = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name = name
        if spec.default is _MISSING and spec.default_factory is None and any(
                f.default is not _MISSING or f.default_factory is not None for f in fields):
            raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
        if isinstance(value, Field):
            if spec.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        fields.append(spec)
    cls.__record_fields__ = tuple(fields)
    cls.__match_args__ = tuple(f.name for f in fields)
    cls.__init__ = _init
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = _eq
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
        if "__hash__" not in cls.__dict__:
            cls.__hash__ = _hash
    elif "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # mutable and compared by value: unhashable, as a dataclass is
    return cls


#: Instances a class builds through the generic ``__init__`` before it gets a compiled one.
SPECIALISE_AFTER = 32
_FACTORY = object()


def _init(self, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    built = cls.__dict__.get("__record_built__", 0) + 1
    if built > SPECIALISE_AFTER and cls.__dict__.get("__init__") is _init:
        cls.__init__ = _compiled_init(cls)  # type: ignore[misc]
        cls.__init__(self, *args, **kwargs)
        return
    type.__setattr__(cls, "__record_built__", built)
    fields = cls.__record_fields__
    if len(args) > len(fields):
        raise TypeError(f"{cls.__name__}() takes {len(fields)} positional arguments but {len(args)} were given")
    for spec, value in zip(fields, args):
        if spec.name in kwargs:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {spec.name!r}")
        object.__setattr__(self, spec.name, value)
    for spec in fields[len(args):]:
        if spec.name in kwargs:
            value = kwargs.pop(spec.name)
        elif spec.default_factory is not None:
            value = spec.default_factory()
        elif spec.default is not _MISSING:
            value = spec.default
        else:
            raise TypeError(f"{cls.__name__}() missing required argument {spec.name!r}")
        object.__setattr__(self, spec.name, value)
    if kwargs:
        raise TypeError(f"{cls.__name__}() got unexpected keyword arguments {', '.join(map(repr, kwargs))}")


def _compiled_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` a dataclass would have: the fields as parameters, assigned in order."""
    fields = cls.__record_fields__  # type: ignore[attr-defined]
    direct = cls.__setattr__ is object.__setattr__  # neither frozen nor watching its attributes
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    params, body = [], []
    for i, spec in enumerate(fields):
        if spec.default_factory is not None:
            namespace[f"_factory{i}"] = spec.default_factory
            params.append(f"{spec.name}=_FACTORY")
            body.append(f"if {spec.name} is _FACTORY: {spec.name} = _factory{i}()")
        elif spec.default is not _MISSING:
            namespace[f"_default{i}"] = spec.default
            params.append(f"{spec.name}=_default{i}")
        else:
            params.append(spec.name)
    for spec in fields:
        body.append(f"self.{spec.name} = {spec.name}" if direct else f"_set(self, {spec.name!r}, {spec.name})")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _repr(self) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in type(self).__record_fields__ if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _compared(self) -> tuple:
    return tuple(getattr(self, f.name) for f in type(self).__record_fields__ if f.compare)


def _eq(self, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared(self) == _compared(other)


def _hash(self) -> int:
    return hash(_compared(self))


def _frozen_setattr(self, name: str, value: Any) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of frozen {type(self).__name__}")


def _frozen_delattr(self, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r} of frozen {type(self).__name__}")


def replace(obj: Any, **changes: Any) -> Any:
    """A copy of the record ``obj`` with some fields changed, like :func:`dataclasses.replace`."""
    values = {f.name: getattr(obj, f.name) for f in type(obj).__record_fields__}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no fields {', '.join(sorted(unknown))}")
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: Any) -> Any:
    """Records as dicts, recursively, with lists, tuples and dicts copied (``dataclasses.asdict``)."""
    if hasattr(type(obj), "__record_fields__"):
        return {f.name: asdict(getattr(obj, f.name)) for f in type(obj).__record_fields__}
    if isinstance(obj, dict):
        return {asdict(k): asdict(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
        return type(obj)(*(asdict(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(asdict(v) for v in obj)
    return obj
