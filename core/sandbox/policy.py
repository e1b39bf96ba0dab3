"""What code in the REPL may do: RestrictedPython compiles it, guards refuse the rest at run time.

The policy, not the process limits, is what keeps the code away from files, the network, other
programs and the REPL's own internals; the limits in `child.py` are a second wall behind it.

- Compile time (RestrictedPython): no name or attribute starting with "_" (so no `__class__`,
  `__globals__`, `__subclasses__`, `__builtins__`, `__import__`), no frame/code/generator
  internals (`gi_frame`, `f_back`, ...), no `exec`/`eval`, no async, no `except*`, no `match`.
- Run time (the guards below): every attribute read, item read, attribute/item write, import and
  augmented assignment goes through a function here. Only the builtins listed exist (no `open`,
  `type`, `vars`, `globals`, `compile`, `help`, `breakpoint`, `exit`, ...). Only the modules
  listed can be imported, and each is a stand-in holding just the names listed, so nothing a
  module imports itself (json's `codecs`, statistics' `sys`) can be reached through it.
"""

from __future__ import annotations

import _string  # the parser str.format itself uses, to split "{0.name[1]}" into its parts
import ast
import bisect
import collections
import difflib
import functools
import heapq
import itertools
import json
import math
import operator
import re
import statistics
import string
import textwrap
import types
import weakref
from collections.abc import Callable
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

from core.sandbox.limits import ALLOWED_IMPORTS

CELL = "<cell>"  # the file name cells are compiled under; errors name its lines


def _public(module: types.ModuleType) -> tuple[str, ...]:
    """Every public name of a module made only of functions, types and numbers."""
    return tuple(
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    )


# The modules code may import, and what it sees of each. Listed by hand where a module holds
# things that are not safe (string.Formatter reads attributes by name; json.load takes a file).
MODULES: dict[str, tuple[types.ModuleType, tuple[str, ...]]] = {
    "re": (
        re,
        (
            "compile",
            "search",
            "match",
            "fullmatch",
            "split",
            "findall",
            "finditer",
            "sub",
            "subn",
            "escape",
            "error",
            "Pattern",
            "Match",
            "A",
            "ASCII",
            "I",
            "IGNORECASE",
            "M",
            "MULTILINE",
            "S",
            "DOTALL",
            "X",
            "VERBOSE",
            "U",
            "UNICODE",
            "NOFLAG",
        ),
    ),
    "json": (json, ("loads", "dumps", "JSONDecodeError")),
    "math": (math, _public(math)),
    "collections": (
        collections,
        (
            "Counter",
            "defaultdict",
            "OrderedDict",
            "deque",
            "namedtuple",
            "ChainMap",
        ),
    ),
    "itertools": (itertools, _public(itertools)),
    "functools": (functools, ("reduce", "partial", "lru_cache", "cache", "cmp_to_key")),
    "statistics": (
        statistics,
        (
            "mean",
            "fmean",
            "geometric_mean",
            "harmonic_mean",
            "median",
            "median_low",
            "median_high",
            "median_grouped",
            "mode",
            "multimode",
            "quantiles",
            "pstdev",
            "pvariance",
            "stdev",
            "variance",
            "correlation",
            "covariance",
            "linear_regression",
            "StatisticsError",
        ),
    ),
    "string": (
        string,
        (
            "ascii_letters",
            "ascii_lowercase",
            "ascii_uppercase",
            "digits",
            "hexdigits",
            "octdigits",
            "punctuation",
            "printable",
            "whitespace",
            "capwords",
        ),
    ),
    "textwrap": (textwrap, ("wrap", "fill", "shorten", "dedent", "indent")),
    "difflib": (
        difflib,
        (
            "SequenceMatcher",
            "get_close_matches",
            "ndiff",
            "unified_diff",
            "context_diff",
        ),
    ),
    "heapq": (heapq, _public(heapq)),
    "bisect": (bisect, _public(bisect)),
}

assert tuple(sorted(MODULES)) == ALLOWED_IMPORTS

# Attributes refused on any object, besides every name starting with "_": the ways from a
# generator, coroutine, traceback or frame to the frames (and so the globals) of the REPL itself.
REFUSED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {"mro", "f_lasti", "tb_lasti"}
# Objects whose attributes are refused outright, should one ever be reached.
OPAQUE_TYPES = (types.FrameType, types.CodeType, types.TracebackType, types.ModuleType)


class CodeRefused(Exception):
    """The policy refused the code before it ran. `str(error)` says what and where."""


class RestrictedModule:
    """An allowed module as the REPL sees it: the listed names, nothing the module imports."""

    def __init__(self, name: str, members: dict[str, Any]) -> None:
        self.__dict__.update(members, __name__=name)  # __name__: for `from m import x` errors
        object.__setattr__(self, "_RestrictedModule__name", name)

    def __getattr__(self, name: str) -> Any:  # only called for names not listed
        raise AttributeError(f"module {self.__name!r} has no attribute {name!r} in the REPL")

    def __repr__(self) -> str:
        return f"<module {self.__name!r}>"


def _restricted_modules() -> dict[str, RestrictedModule]:
    modules = {}
    for name, (module, names) in MODULES.items():
        members = {member: getattr(module, member) for member in names if hasattr(module, member)}
        assert not any(isinstance(v, types.ModuleType) for v in members.values()), name
        modules[name] = RestrictedModule(name, members)
    return modules


def _refuse(name: str, why: str = "") -> AttributeError:
    if name.startswith("_"):
        why = 'names starting with "_" are not available in the REPL'
    return AttributeError(f'"{name}" is not allowed here: {why or "it reaches outside the REPL"}')


def _check_attribute(obj: object, name: object) -> None:
    if type(name) is not str:
        raise TypeError("attribute names must be text")
    if name.startswith("_") or name in REFUSED_ATTRIBUTES:
        raise _refuse(name)
    if isinstance(obj, OPAQUE_TYPES):
        raise _refuse(name, f"the REPL does not give access to {type(obj).__name__} objects")


class _GuardedFormatter(string.Formatter):
    """str.format with every "{0.attr}" and "{0[key]}" field read through the guards."""

    def get_field(self, field_name, args, kwargs):
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = guarded_getattr(obj, key) if is_attribute else guarded_getitem(obj, key)
        return obj, first


_FORMATTER = _GuardedFormatter()


def guarded_getattr(obj: object, name: str, *default: Any) -> Any:
    """`obj.name` and getattr() in the REPL."""
    _check_attribute(obj, name)
    if name in ("format", "format_map"):
        if isinstance(obj, str):  # a format string could otherwise read "{0.__class__}"
            text = str(obj)
            if name == "format":
                return lambda *args, **kwargs: _FORMATTER.vformat(text, args, kwargs)
            return lambda mapping: _FORMATTER.vformat(text, (), mapping)
        if isinstance(obj, type) and issubclass(obj, str):
            raise _refuse(name, 'write "text {}".format(...) or use an f-string')
    return getattr(obj, name, *default)


def guarded_hasattr(obj: object, name: str) -> bool:
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _inplace(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}

_MUTABLE = (dict, list, set, bytearray, collections.deque)


class Output:
    """What a cell prints, kept up to a limit; the rest is only counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.cut = 0

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if room > 0:
            piece = text[:room]
            self.parts.append(piece)
            self.kept += len(piece)
            self.cut += len(text) - len(piece)
        else:
            self.cut += len(text)
        return len(text)

    def flush(self) -> None:
        pass

    def value(self) -> str:
        return "".join(self.parts)

    def text(self) -> str:
        """The output to show, saying where and how much was cut."""
        shown = self.value()
        if self.cut:
            shown += (
                f"\n[output cut: {self.cut:,} more characters were printed than the "
                f"{self.limit:,} shown]"
            )
        return shown


class _PrintTo:
    """What RestrictedPython turns `print` into: every print of the cell goes to one Output."""

    def __init__(self, output: Output) -> None:
        self._output = output

    def __call__(self) -> str:  # the `printed` name
        return self._output.value()

    def _call_print(self, *objects: Any, sep=" ", end="\n", file=None, flush=False) -> None:
        if file is not None:
            raise TypeError("print(file=...) is not available in the REPL")
        print(*objects, sep=sep, end=end, file=self._output)


class Namespace:
    """The REPL's globals: the guards RestrictedPython's code calls, the allowed builtins,
    and the names given to the code (`context`, `pages`, `llm_query`, `FINAL`, ...)."""

    def __init__(self, given: dict[str, Any], output: Output) -> None:
        self.output = output
        self._user_classes: weakref.WeakSet[type] = weakref.WeakSet()
        self.modules = _restricted_modules()
        builtins = {k: v for k, v in safe_builtins.items() if k not in _REPLACED_BUILTINS}
        builtins.update(_EXTRA_BUILTINS)
        builtins.update(
            __import__=self._import,
            setattr=self._setattr,
            delattr=self._delattr,
        )
        self.globals: dict[str, Any] = {
            "__builtins__": builtins,
            "__name__": "repl",
            "__metaclass__": self._make_class,
            "_getattr_": guarded_getattr,
            "_getitem_": guarded_getitem,
            "_getiter_": iter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": self._guarded_write,
            "_inplacevar_": _inplace,
            "_inplace_item_": _inplace_item,
            "_inplace_attr_": _inplace_attr,
            "_apply_": _apply,
            "_print_": self._print_collector,
        }
        self.globals.update(given)
        self.given = frozenset(self.globals)

    # What RestrictedPython's compiled code calls.

    def _print_collector(self, _getattr=None) -> _PrintTo:
        return _PrintTo(self.output)

    def _make_class(self, name: str, bases: tuple, body: dict, **keywords: Any) -> type:
        """Every `class` statement in the REPL; its instances may then have attributes set."""
        if keywords:
            raise TypeError("class keywords are not allowed in the REPL")
        cls = type(name, bases, body)
        self._user_classes.add(cls)
        return cls

    def _guarded_write(self, obj: Any) -> Any:
        """`obj.x = ...`, `obj[k] = ...` and `del`: containers and the code's own classes only."""
        if isinstance(obj, _MUTABLE) or type(obj) in self._user_classes:
            return obj
        if isinstance(obj, type) and obj in self._user_classes:
            return obj
        what = repr(obj) if isinstance(obj, RestrictedModule) else f"a {type(obj).__name__} object"
        raise TypeError(f"{what} cannot be changed in the REPL")

    def _setattr(self, obj: Any, name: str, value: Any) -> None:
        _check_attribute(obj, name)
        setattr(self._guarded_write(obj), name, value)

    def _delattr(self, obj: Any, name: str) -> None:
        _check_attribute(obj, name)
        delattr(self._guarded_write(obj), name)

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            raise ImportError("relative imports are not available in the REPL")
        module = self.modules.get(name) if type(name) is str else None
        if module is None:
            raise ImportError(
                f"import of {name!r} is not allowed in the REPL; it can import "
                + ", ".join(ALLOWED_IMPORTS)
            )
        return module

    # What the child asks of the namespace.

    def new_cell(self) -> None:
        self.output.reset()
        self.globals["_print"] = _PrintTo(self.output)  # for a last-line `print(...)`

    def variables(self) -> list[str]:
        """Names the code has defined, in the order it defined them."""
        return [n for n in self.globals if not n.startswith("_") and n not in self.given]


def _apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


# Builtins RestrictedPython lists that the namespace replaces with its own guarded versions.
_REPLACED_BUILTINS = frozenset({"setattr", "delattr", "_getattr_"})

# Builtins RestrictedPython leaves out because they iterate in C past `_getiter_`. That guard
# matters for Zope's per-item security checks; here every value the code can reach is its own,
# so iterating in C shows it nothing new.
_EXTRA_BUILTINS: dict[str, Any] = {
    "list": list,
    "dict": dict,
    "set": set,
    "frozenset": frozenset,
    "tuple": tuple,
    "sorted": sorted,
    "reversed": reversed,
    "enumerate": enumerate,
    "zip": zip,
    "map": map,
    "filter": filter,
    "sum": sum,
    "min": min,
    "max": max,
    "any": any,
    "all": all,
    "iter": iter,
    "next": next,
    "bytes": bytes,
    "bytearray": bytearray,
    "format": format,
    "ascii": ascii,
    "bin": bin,
    "isinstance": isinstance,
    "issubclass": issubclass,
    "getattr": guarded_getattr,
    "hasattr": guarded_hasattr,
    "RecursionError": RecursionError,
    "TimeoutError": TimeoutError,
    "ModuleNotFoundError": ModuleNotFoundError,
    "StopIteration": StopIteration,
}


class ReplPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus `counts[word] += 1` and `self.total += n`.

    RestrictedPython refuses augmented assignment to items and attributes, having no guard to
    route it through; model-written code uses it constantly. Here it becomes a call to a guard
    that reads through `_getitem_`/`_getattr_` and writes through `_write_`, like the plain
    statements `counts[word] = counts[word] + 1` would (the container and key evaluated once).
    """

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, (ast.Subscript, ast.Attribute)):
            return super().visit_AugAssign(node)
        node = self.node_contents_visit(node)  # the target becomes `_write_(obj)[key]`/`.attr`
        target, op = node.target, ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        if isinstance(target, ast.Subscript):
            guard, where = "_inplace_item_", target.slice
        else:
            guard, where = "_inplace_attr_", ast.Constant(target.attr)
        arguments = [target.value, where, op, node.value]
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=arguments, keywords=[])
        statement = ast.Expr(call)
        copy_locations(statement, node)
        return ast.fix_missing_locations(statement)


def _inplace_item(container: Any, key: Any, op: str, value: Any) -> None:
    container[key] = _INPLACE[op](guarded_getitem(container, key), value)


def _inplace_attr(obj: Any, name: str, op: str, value: Any) -> None:
    setattr(obj, name, _INPLACE[op](guarded_getattr(obj, name), value))


def compile_cell(source: str, filename: str = CELL) -> tuple[types.CodeType, types.CodeType | None]:
    """The cell's statements, and its last line apart when that is an expression (whose value
    is then shown, as in a notebook). Raises CodeRefused with RestrictedPython's reasons."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as e:
        statement = f": {e.text.strip()!r}" if e.text and e.text.strip() else ""
        raise CodeRefused(f"line {e.lineno}: SyntaxError: {e.msg}{statement}") from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise CodeRefused(f"the code could not be read: {type(e).__name__}") from None
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    errors: list[str] = []
    body = compile_restricted_exec(tree, filename, policy=ReplPolicy)
    errors += body.errors
    last_code = None
    if last is not None:
        result = compile_restricted_eval(last, filename, policy=ReplPolicy)
        errors += result.errors
        last_code = result.code
    if errors:
        reasons = "; ".join(
            (e[0].lower() + e[1:] if e.startswith("Line") else e).rstrip(".") for e in errors
        )
        raise CodeRefused(f"not allowed: {reasons}")
    assert body.code is not None
    return body.code, last_code
