"""Writes ``_generated.py``: the blocking twin of every async namespace, with real signatures.

Run ``python -m toggl_async_sync._codegen`` after adding an async endpoint. The sync surface
is derived, never hand-written: each generated method forwards to the async method of the
same name, and ``tests/test_sync_parity.py`` fails while the generated file is stale.
"""

from __future__ import annotations

import builtins
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import toggl_async
from toggl_async import _params, pagination
from toggl_async.resources import Resource

TARGET = Path(__file__).with_name("_generated.py")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALIAS_HOMES = (pagination, _params)


def namespaces() -> dict[str, type[Resource]]:
    """Attribute name -> async namespace class, read off a real client."""
    client = toggl_async.TogglClient(api_token="codegen")
    found = {
        name: type(value) for name, value in vars(client).items() if isinstance(value, Resource)
    }
    client._transport._closed = True  # never opened: nothing to close
    return found


def public_methods(cls: type[Resource]) -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    ]


def _resolve(name: str, module: Any, imports: dict[str, set[str]]) -> None:
    if name == "builtins":  # ``builtins.list`` where a method named ``list`` shadows it
        imports.setdefault("", set()).add("builtins")
        return
    if hasattr(builtins, name) or name == "None":
        return
    value = module.__dict__.get(name)
    if value is None:
        raise LookupError(f"cannot resolve {name!r} used in {module.__name__}")
    home = getattr(value, "__module__", None)
    if not (inspect.isclass(value) or inspect.isfunction(value)) or home is None:
        homes = [m.__name__ for m in _ALIAS_HOMES if name in m.__dict__]
        home = homes[0] if homes else module.__name__  # an alias defined beside the method
    if home == "typing" or home.startswith("collections"):
        home = "typing" if home == "typing" else home
    imports.setdefault(home, set()).add(name)


def _render_method(name: str, func: Any, imports: dict[str, set[str]]) -> str:
    module = sys.modules[func.__module__]
    signature = inspect.signature(func)
    returns = signature.return_annotation
    if not isinstance(returns, str):
        raise TypeError(f"{func.__qualname__} needs a return annotation")
    if inspect.iscoroutinefunction(func):
        forward = "_call"
    elif returns.startswith("Paginator["):
        forward = "_paginate"
        returns = "Sync" + returns
    else:
        raise TypeError(f"{func.__qualname__}: expected a coroutine or a Paginator factory")
    params, args = ["self"], []
    star_done = False
    for param in list(signature.parameters.values())[1:]:
        annotation = param.annotation
        for ident in _IDENT.findall(annotation):
            _resolve(ident, module, imports)
        text = f"{param.name}: {annotation}"
        if param.default is not inspect.Parameter.empty:
            if not isinstance(param.default, bool | int | float | str | type(None)):
                raise TypeError(f"{func.__qualname__}: default of {param.name} is not a literal")
            text += f" = {param.default!r}"
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            if not star_done:
                params.append("*")
                star_done = True
            args.append(f"{param.name}={param.name}")
        elif param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            args.append(param.name)
        else:
            raise TypeError(f"{func.__qualname__}: *args/**kwargs are not supported")
        params.append(text)
    for ident in _IDENT.findall(returns.removeprefix("Sync")):
        if ident != "Paginator":
            _resolve(ident, module, imports)
    doc_lines = (inspect.getdoc(func) or "").splitlines() or [""]
    doc = "\n".join(f"        {line}".rstrip() for line in doc_lines).lstrip()
    call_args = ", ".join([f'"{name}"', *args])
    ignore = "  # type: ignore[no-any-return]" if forward == "_call" else ""
    return (
        f"    def {name}({', '.join(params)}) -> {returns}:\n"
        f'        """{doc}"""\n'
        f"        return self.{forward}({call_args}){ignore}\n"
    )


def render() -> str:
    imports: dict[str, set[str]] = {}
    classes: list[str] = []
    spaces = namespaces()
    for cls in dict.fromkeys(spaces.values()):
        methods = [_render_method(name, func, imports) for name, func in public_methods(cls)]
        classes.append(
            f"class Sync{cls.__name__}(SyncNamespace):\n"
            f'    """Blocking twin of ``{cls.__module__}.{cls.__name__}``."""\n\n'
            + "\n".join(methods)
        )
    attributes = "\n".join(f"    {name}: Sync{cls.__name__}" for name, cls in spaces.items())
    binds = "\n".join(
        f"        self.{name} = Sync{cls.__name__}(portal, client.{name})"
        for name, cls in spaces.items()
    )
    typed = "\n".join(
        f"    import {', '.join(sorted(names))}"
        if not home
        else f"    from {home} import {', '.join(sorted(names))}"
        for home, names in sorted(imports.items())
    )
    return f'''"""GENERATED by ``python -m toggl_async_sync._codegen`` from the async namespaces.

Do not edit: regenerate after changing an async endpoint (a test fails while this is stale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._namespace import SyncNamespace
from .portal import Portal

if TYPE_CHECKING:
    import toggl_async

    from .paginator import SyncPaginator
{typed}


{chr(10).join(classes)}

class Namespaces:
    """The blocking namespaces of a client, one per async namespace."""

{attributes}

    def _bind(self, portal: Portal, client: toggl_async.TogglClient) -> None:
{binds}
'''


def main() -> None:
    TARGET.write_text(render())
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
