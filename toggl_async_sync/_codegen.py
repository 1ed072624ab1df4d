"""Writes ``_generated.pyi``: the static types of the blocking client, read off the async one.

At run time the blocking namespaces are generic proxies (``_namespace.py``): every async
method is usable at once, with its own defaults and validation. Type checkers and IDEs
cannot see through a proxy, so this script writes a stub with one class per namespace and a
real signature per method, taken from the async source (annotations as written, literal
defaults, docstrings): coroutine methods return their result, ``Paginator[X]`` becomes
``SyncPaginator[X]``. It also types the constructor (the async one's parameters).

    python -m toggl_async_sync._codegen           # rewrite the stub
    python -m toggl_async_sync._codegen --check   # exit 1 if it is stale

``tests/test_sync_parity.py`` fails while the committed stub differs from what this renders.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import inspect
import json
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import toggl_async
from toggl_async.resources import Resource

__all__ = ["TARGET", "main", "namespaces", "public_methods", "render"]

TARGET = Path(__file__).with_name("_generated.pyi")
LINE = 100
PAGINATOR = "Paginator"
SYNC_PAGINATOR = "SyncPaginator"
SURFACE = "ClientSurface"
_OVERRIDES: dict[tuple[str, str], str] = {}
"""Parameters typed differently in the blocking client."""
_DROPPED = {("TogglClient", "session")}
"""Parameters the blocking client does not have: it cannot use an aiohttp session (a
session belongs to the loop that made it), so its signature and stub leave it out."""
_AWAITABLES = {"Awaitable", "Coroutine"}
_DEFINED = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign)


# -- what to render -----------------------------------------------------------------------


def namespaces() -> dict[str, type[Resource]]:
    """Attribute name -> async namespace class, in the client's order, read off an instance
    (so a namespace added to ``toggl_async.TogglClient.__init__`` is picked up by itself)."""
    client = toggl_async.TogglClient(api_token="stub-generator")  # never opened: no I/O
    found = vars(client).items()
    return {name: type(value) for name, value in found if isinstance(value, Resource)}


def public_methods(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    """The public methods of an async namespace class, by name."""
    return [
        (name, member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]


# -- resolving the names an annotation uses --------------------------------------------------


class _Imports:
    """``from module import name`` lines for every name the stub's annotations use."""

    def __init__(self, reserved: set[str]) -> None:
        self._reserved = reserved
        self._origin: dict[str, tuple[str, str]] = {}

    def need(self, name: str, module: types.ModuleType) -> None:
        """Import ``name`` as the async module ``module`` sees it (unless it is a builtin)."""
        if name in self._reserved:
            raise ValueError(f"{module.__name__} uses {name!r}, a name the stub defines itself")
        origin = _origin_of(name, module)
        if origin is None:
            return
        known = self._origin.setdefault(name, origin)
        if known != origin:
            raise ValueError(
                f"{name!r} means {known[0]}.{known[1]} in one namespace and "
                f"{origin[0]}.{origin[1]} in another: import one of them under another name"
            )

    def lines(self) -> list[str]:
        by_module: dict[str, list[str]] = {}
        plain: list[str] = []
        for local, (home, original) in self._origin.items():
            if original == "":
                plain.append(home)
            else:
                alias = original if original == local else f"{original} as {local}"
                by_module.setdefault(home, []).append(alias)
        by_module.setdefault("toggl_async_sync.paginator", []).append(SYNC_PAGINATOR)
        groups: list[list[str]] = [[], []]
        for home in sorted(set(plain)):
            groups[_is_first_party(home)].append(f"import {home}")
        for home in sorted(by_module):
            names = sorted(set(by_module[home]), key=_isort_key)
            groups[_is_first_party(home)].append(_wrap_import(home, names))
        return [line for group in groups if group for line in [*group, ""]]


def _is_first_party(module: str) -> int:
    return int(module.split(".")[0] in {"toggl_async", "toggl_async_sync"})


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's isort order inside one import: CONSTANTS, then Classes, then the rest."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        return 0, bare
    return (1 if bare[:1].isupper() else 2), bare.lower()


def _wrap_import(home: str, names: list[str]) -> str:
    line = f"from {home} import {', '.join(names)}"
    if len(line) <= LINE:
        return line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {home} import (\n{body})"


def _origin_of(name: str, module: types.ModuleType) -> tuple[str, str] | None:
    """(module, name) to import ``name`` from; ("module", "") for ``import module``;
    None for builtins. Classes and functions come from where they are defined; other
    values (type aliases, typing forms) from where ``module`` imports them."""
    value = module.__dict__.get(name, _MISSING)
    if value is _MISSING:
        found = _imported_in(module.__name__, name)
        if found is not None:
            return found
        if hasattr(builtins, name):
            return None
        raise LookupError(f"cannot find where {module.__name__} gets {name!r} from")
    if isinstance(value, types.ModuleType):
        return value.__name__, ""
    home = getattr(value, "__module__", None)
    defined = inspect.isclass(value) or inspect.isfunction(value)
    top_level = getattr(value, "__qualname__", None) == getattr(value, "__name__", None)
    if defined and top_level and isinstance(home, str):
        return home, value.__name__
    found = _imported_in(module.__name__, name)
    return found if found is not None else (module.__name__, name)


_MISSING = object()


def _imported_in(module_name: str, name: str) -> tuple[str, str] | None:
    """Follow ``from x import name`` statements (TYPE_CHECKING ones too) to a module that
    defines ``name`` or exports it in ``__all__``."""
    tree = _module_tree(module_name)
    if tree is None:
        return None
    exported = _dunder_all(tree)
    if name in exported or any(_defines(node, name) for node in tree.body):
        return module_name, name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    source = _absolute(module_name, node.module, node.level)
                    deeper = _imported_in(source, alias.name)
                    return deeper if deeper is not None else (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == name or (alias.asname is None and alias.name == name):
                    return alias.name, ""
    return None


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _dunder_all(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            try:
                return set(ast.literal_eval(node.value))
            except ValueError:
                return set()
    return set()


def _absolute(module_name: str, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    module = importlib.import_module(module_name)
    package = module.__name__ if hasattr(module, "__path__") else module.__name__.rpartition(".")[0]
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{target}" if target else base


def _module_tree(module_name: str) -> ast.Module | None:
    try:
        module = importlib.import_module(module_name)
        return ast.parse(inspect.getsource(module))
    except (ImportError, OSError, TypeError):
        return None


def _names_in(node: ast.AST) -> Iterator[str]:
    """Top-level names an annotation refers to (``a.b.C`` needs ``a``)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            # a string annotation inside an annotation: "Foo" or "list[Foo]"
            try:
                yield from _names_in(ast.parse(child.value, mode="eval"))
            except SyntaxError:
                continue


# -- rendering one signature ------------------------------------------------------------------


class _Blocking(ast.NodeTransformer):
    """``Paginator`` -> ``SyncPaginator`` in a return annotation."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == PAGINATOR:
            return ast.copy_location(ast.Name(id=SYNC_PAGINATOR, ctx=node.ctx), node)
        return node


def _definition(func: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    source = textwrap.dedent(inspect.getsource(func))
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        raise TypeError(f"{func.__qualname__} is not a plain function definition")
    return node


def _default(node: ast.expr | None) -> str | None:
    """A literal default as written; anything else (a constant's name) as ``...``."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return json.dumps(node.value)  # double quotes, as ruff format writes them (wholeapi)
    if isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
        return ast.unparse(node)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
    ):
        return ast.unparse(node)
    return "..."


def _parameters(
    owner: str, node: ast.FunctionDef | ast.AsyncFunctionDef, need: Callable[[ast.AST], None]
) -> list[str]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    out: list[str] = []

    def one(arg: ast.arg, default: ast.expr | None, prefix: str = "") -> str:
        if arg.arg == "self" and not out and not prefix:
            return "self"
        override = _OVERRIDES.get((owner, arg.arg))
        if arg.annotation is None and override is None:
            raise TypeError(f"{owner}.{node.name}: parameter {arg.arg!r} has no annotation")
        if override is None:
            assert arg.annotation is not None
            need(arg.annotation)
            annotation = ast.unparse(arg.annotation)
        else:
            annotation = override
        text = f"{prefix}{arg.arg}: {annotation}"
        value = _default(default)
        return text if value is None else f"{text} = {value}"

    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        out.append(one(arg, default))
        if index == len(args.posonlyargs) - 1:
            out.append("/")
    if args.vararg is not None:
        out.append(one(args.vararg, None, "*"))
    elif args.kwonlyargs:
        out.append("*")
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if (owner, arg.arg) not in _DROPPED:
            out.append(one(arg, kw_default))
    if args.kwarg is not None:
        out.append(one(args.kwarg, None, "**"))
    return out


def _returns(func: Callable[..., Any], node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr:
    if node.returns is None:
        raise TypeError(f"{func.__qualname__} has no return annotation")
    returns = node.returns
    if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
        returns = ast.parse(returns.value, mode="eval").body
    if inspect.iscoroutinefunction(func):
        return returns  # the blocking twin returns what the coroutine returns
    if isinstance(returns, ast.Subscript) and _root_name(returns.value) in _AWAITABLES:
        inner = returns.slice
        return inner.elts[-1] if isinstance(inner, ast.Tuple) else inner
    transformed: ast.expr = _Blocking().visit(returns)
    return transformed


def _root_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _def_lines(name: str, params: Sequence[str], returns: str) -> list[str]:
    """``def`` lines laid out as ``ruff format`` lays them out."""
    head, tail = f"    def {name}(", f") -> {returns}:"
    flat = head + ", ".join(params) + tail
    if len(flat) <= LINE:
        return [flat]
    inner = "        " + ", ".join(params)
    if len(inner) <= LINE:
        return [head, inner, "    " + tail]
    return [head, *(f"        {param}," for param in params), "    " + tail]


def _docstring(doc: str | None, indent: str) -> list[str]:
    text = (doc or "").strip()
    if not text:
        return [f"{indent}..."]
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    body = [f"{indent}{line}".rstrip() for line in lines[1:]]
    return [f'{indent}"""{lines[0]}', *body, f'{indent}"""']


def _method(owner: str, name: str, func: Callable[..., Any], imports: _Imports) -> list[str]:
    module = sys.modules[func.__module__]
    node = _definition(func)

    def need(annotation: ast.AST) -> None:
        for used in _names_in(annotation):
            if used not in (SYNC_PAGINATOR, PAGINATOR) or inspect.iscoroutinefunction(func):
                imports.need(used, module)

    params = _parameters(owner, node, need)
    returns = _returns(func, node)
    need(returns)
    lines = _def_lines(name, params, ast.unparse(returns))
    return [*lines, *_docstring(inspect.getdoc(func), "        ")]


# -- the whole stub ---------------------------------------------------------------------------


HEADER = '''\
"""GENERATED by ``python -m toggl_async_sync._codegen`` from the async client: do not edit.

The static types of ``toggl_async_sync.TogglClient``: its constructor (the async one's
arguments) and one class per namespace with every method's signature, for mypy and IDEs. At
run time the namespaces are generic proxies of the async ones, so these classes exist only
for type checkers. ``tests/test_sync_parity.py`` fails while this file is stale.
"""
'''


def render() -> str:
    """The stub's text for the async client as it is now (deterministic)."""
    spaces = namespaces()
    classes = list(dict.fromkeys(spaces.values()))
    reserved = {SYNC_PAGINATOR, SURFACE, *(f"Sync{cls.__name__}" for cls in classes)}
    imports = _Imports(reserved)
    blocks: list[list[str]] = []
    for cls in classes:
        summary = (inspect.getdoc(cls) or "").strip()
        doc = f"Blocking twin of ``{cls.__module__}.{cls.__name__}``."
        if len(doc) > LINE - 7:  # wholeapi: long namespace names, by their package name
            doc = f"Blocking twin of ``toggl_async.resources.{cls.__name__}``."
        doc += f"\n\n{summary}" if summary else ""
        lines = [f"class Sync{cls.__name__}:", *_docstring(doc, "    ")]
        for name, func in public_methods(cls):
            lines += ["", *_method(cls.__name__, name, func, imports)]
        blocks.append(lines)
    init = toggl_async.TogglClient.__init__
    surface = [
        f"class {SURFACE}:",
        *_docstring("The constructor and namespaces of the blocking client (typing only).", "    "),
        "",
        *_method("TogglClient", "__init__", init, imports),
    ]
    surface += ["", *(f"    {name}: Sync{cls.__name__}" for name, cls in spaces.items())]
    blocks.append(surface)
    out = [HEADER, *imports.lines()]  # the import lines end with a blank line
    for block in blocks:
        out += [*block, ""]  # stubs: one blank line between classes
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write toggl_async_sync/_generated.pyi.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the stub is stale")
    args = parser.parse_args(argv)
    text = render()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    if args.check:
        if current != text:
            print(f"{TARGET} is stale: run python -m toggl_async_sync._codegen", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
