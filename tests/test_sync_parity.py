"""The blocking API can never drift from the async one, at run time or in its types.

Every public method of every async namespace (found on a client *instance*, so namespaces
added later are walked too) must have a blocking twin with the same parameters: at run time
(the generic proxy) and in the generated stub that mypy and IDEs read. The return type is
the same, except that a coroutine's is its result and ``Paginator[X]`` is
``SyncPaginator[X]``.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import toggl_async
import toggl_async_sync
from toggl_async.resources import Resource
from toggl_async_sync import _codegen

EMPTY = inspect.Parameter.empty


@pytest.fixture(scope="module")
def async_client() -> toggl_async.TogglClient:
    return toggl_async.TogglClient(api_token="parity")  # never opened: no I/O


@pytest.fixture(scope="module")
def sync_client() -> Iterator[toggl_async_sync.TogglClient]:
    with toggl_async_sync.TogglClient(api_token="parity") as client:
        yield client  # no request is made: only its namespaces are inspected


@pytest.fixture(scope="module")
def stub() -> dict[str, ast.ClassDef]:
    tree = ast.parse(_codegen.TARGET.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def namespaces(client: toggl_async.TogglClient) -> dict[str, Resource]:
    return {name: value for name, value in vars(client).items() if isinstance(value, Resource)}


def methods(namespace: Resource) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name, member in inspect.getmembers(type(namespace), inspect.isfunction):
        if not name.startswith("_"):
            yield name, member


def blocking_return(method: Callable[..., Any]) -> str:
    returns = inspect.signature(method).return_annotation
    assert isinstance(returns, str), f"{method.__qualname__}: annotations are strings here"
    if inspect.iscoroutinefunction(method):
        return returns
    return returns.replace("Paginator[", "SyncPaginator[")


def test_the_committed_stub_is_up_to_date() -> None:
    assert _codegen.TARGET.read_text(encoding="utf-8") == _codegen.render(), (
        "toggl_async_sync/_generated.pyi is stale: run `python -m toggl_async_sync._codegen`"
    )


def test_the_walk_finds_every_namespace(async_client: toggl_async.TogglClient) -> None:
    found = namespaces(async_client)
    assert {"me", "time_entries", "focus"} <= set(found)
    assert set(_codegen.namespaces()) == set(found)


def test_every_async_method_has_a_blocking_twin_at_run_time(
    async_client: toggl_async.TogglClient, sync_client: toggl_async_sync.TogglClient
) -> None:
    checked = 0
    for space, namespace in namespaces(async_client).items():
        twin_space = getattr(sync_client, space, None)
        assert twin_space is not None, f"the blocking client has no namespace {space!r}"
        for name, method in methods(namespace):
            twin = getattr(twin_space, name, None)
            assert callable(twin), f"toggl.{space}.{name} has no blocking twin"
            assert not inspect.iscoroutinefunction(twin), f"toggl.{space}.{name} is async"
            expected, actual = inspect.signature(method), inspect.signature(twin)
            assert [*expected.parameters][1:] == [*actual.parameters], f"{space}.{name}"
            for param in actual.parameters.values():
                original = expected.parameters[param.name]
                assert (param.kind, param.default, param.annotation) == (
                    original.kind,
                    original.default,
                    original.annotation,
                ), f"{space}.{name}({param.name})"
            assert actual.return_annotation == blocking_return(method), f"{space}.{name}"
            assert twin.__doc__ == method.__doc__
            checked += 1
    assert checked >= 20


def _stub_parameters(node: ast.FunctionDef) -> list[tuple[str, str, str, str | None]]:
    """(kind, name, annotation, default) of each parameter of a stub method but ``self``."""
    args = node.args
    out: list[tuple[str, str, str, str | None]] = []
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults, strict=True):
        kind = "POSITIONAL_ONLY" if arg in args.posonlyargs else "POSITIONAL_OR_KEYWORD"
        out.append((kind, arg.arg, _text(arg.annotation), _text(default)))
    if args.vararg:
        out.append(("VAR_POSITIONAL", args.vararg.arg, _text(args.vararg.annotation), None))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(("KEYWORD_ONLY", arg.arg, _text(arg.annotation), _text(kw_default)))
    if args.kwarg:
        out.append(("VAR_KEYWORD", args.kwarg.arg, _text(args.kwarg.annotation), None))
    return out[1:]


def _text(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(node)


def _normal(annotation: str) -> str:
    """One spelling per annotation (the async ones are strings, as written)."""
    return ast.unparse(ast.parse(annotation, mode="eval"))


def assert_same_parameters(
    where: str,
    typed: list[tuple[str, str, str, str | None]],
    method: Callable[..., Any],
    overrides: dict[str, str],
) -> None:
    expected = list(inspect.signature(method).parameters.values())[1:]
    assert [(kind, name) for kind, name, _, _ in typed] == [
        (p.kind.name, p.name) for p in expected
    ], where
    for (_, name, annotation, default), param in zip(typed, expected, strict=True):
        wanted = overrides.get(name, param.annotation)
        assert _normal(annotation) == _normal(wanted), f"{where}({name}) annotation"
        if param.default is EMPTY:
            assert default == "", f"{where}({name}) has a default only in the stub"
        else:
            # Literal defaults are shown as such; named constants as ``...``.
            assert default == "..." or ast.literal_eval(default) == param.default, (
                f"{where}({name}) default"
            )


def test_every_async_method_has_a_typed_twin_in_the_stub(
    async_client: toggl_async.TogglClient, stub: dict[str, ast.ClassDef]
) -> None:
    surface = stub[_codegen.SURFACE]
    attributes = {
        node.target.id: ast.unparse(node.annotation)
        for node in surface.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert set(attributes) == set(namespaces(async_client))
    for space, namespace in namespaces(async_client).items():
        cls_name = f"Sync{type(namespace).__name__}"
        assert attributes[space] == cls_name, f"the stub does not type toggl.{space}"
        typed = {
            node.name: node for node in stub[cls_name].body if isinstance(node, ast.FunctionDef)
        }
        public = dict(methods(namespace))
        assert set(typed) == set(public), f"the stub and toggl.{space} list different methods"
        for name, method in public.items():
            where = f"toggl.{space}.{name}"
            assert_same_parameters(where, _stub_parameters(typed[name]), method, {})
            returns = _text(typed[name].returns)
            assert _normal(returns) == _normal(blocking_return(method)), f"{where} return"


def test_the_constructor_takes_exactly_the_async_arguments(
    stub: dict[str, ast.ClassDef],
) -> None:
    init = next(
        node
        for node in stub[_codegen.SURFACE].body
        if isinstance(node, ast.FunctionDef) and node.name == "__init__"
    )
    signature = inspect.signature(toggl_async.TogglClient.__init__)

    def without_session() -> None: ...

    without_session.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name != "session"]
    )
    # the blocking client refuses session= (issue 10 item 23): neither stub nor help() shows it
    assert_same_parameters("TogglClient", _stub_parameters(init), without_session, {})
    runtime = inspect.signature(toggl_async_sync.TogglClient)
    assert "session" not in runtime.parameters
    everything_else = inspect.signature(toggl_async.TogglClient).parameters
    assert runtime.parameters == {k: v for k, v in everything_else.items() if k != "session"}
