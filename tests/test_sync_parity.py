"""The blocking API can never drift from the async one."""

from __future__ import annotations

import inspect
from pathlib import Path

import toggl_async
import toggl_async_sync
from toggl_async.resources import Resource
from toggl_async_sync import _codegen


def test_generated_namespaces_are_up_to_date() -> None:
    generated = Path(_codegen.__file__).with_name("_generated.py").read_text()
    assert generated == _codegen.render(), (
        "toggl_async_sync/_generated.py is stale: run `python -m toggl_async_sync._codegen`"
    )


def test_every_async_method_has_a_sync_twin_with_the_same_parameters() -> None:
    async_client = toggl_async.TogglClient(api_token="parity")
    sync_client_cls = toggl_async_sync.TogglClient
    namespaces = {n: v for n, v in vars(async_client).items() if isinstance(v, Resource)}
    assert {"me", "time_entries", "focus"} <= set(namespaces)
    annotations = inspect.get_annotations(sync_client_cls.__mro__[1])
    checked = 0
    for name, namespace in namespaces.items():
        sync_cls = annotations[name]
        sync_cls = getattr(toggl_async_sync._generated, sync_cls)  # type: ignore[attr-defined]
        for method_name, method in inspect.getmembers(type(namespace), inspect.isfunction):
            if method_name.startswith("_"):
                continue
            twin = getattr(sync_cls, method_name, None)
            assert twin is not None, f"toggl.{name}.{method_name} has no blocking twin"
            expected = inspect.signature(method)
            actual = inspect.signature(twin)
            assert list(actual.parameters) == list(expected.parameters), method_name
            for param in expected.parameters.values():
                other = actual.parameters[param.name]
                assert (other.kind, other.default, other.annotation) == (
                    param.kind,
                    param.default,
                    param.annotation,
                ), f"{name}.{method_name}({param.name})"
            returns = expected.return_annotation
            if not inspect.iscoroutinefunction(method):
                returns = "Sync" + returns
            assert actual.return_annotation == returns, f"{name}.{method_name} return"
            assert not inspect.iscoroutinefunction(twin)
            checked += 1
    assert checked >= 19


def test_sync_client_takes_exactly_the_async_arguments() -> None:
    expected = inspect.signature(toggl_async.TogglClient.__init__).parameters
    actual = inspect.signature(toggl_async_sync.TogglClient.__init__).parameters
    assert list(actual) == list(expected)
    for name, param in expected.items():
        assert (actual[name].kind, actual[name].default, actual[name].annotation) == (
            param.kind,
            param.default,
            param.annotation,
        ), name


class _Recorder:
    """Stands in for an async namespace: records what each forwarded call received."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    def __getattr__(self, name: str) -> object:
        def method(*args: object, **kwargs: object) -> object:
            self.calls.append((name, args, kwargs))
            return f"result of {name}"

        return method


class _DirectPortal:
    running = True

    def call(self, func, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        return func(*args, **kwargs)


def test_every_generated_method_forwards_its_arguments_unchanged() -> None:
    import toggl_async_sync._generated as generated
    from toggl_async_sync.paginator import SyncPaginator

    classes = [
        cls
        for cls in vars(generated).values()
        if isinstance(cls, type)
        and cls.__name__.startswith("Sync")
        and cls.__name__ != "SyncNamespace"
    ]
    assert len(classes) >= 9
    for cls in classes:
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            inner = _Recorder()
            twin = cls(_DirectPortal(), inner)  # type: ignore[arg-type]
            args, kwargs, expected_args, expected_kwargs = [], {}, [], {}
            for i, param in enumerate(list(inspect.signature(method).parameters.values())[1:]):
                value = f"arg{i}"
                if param.kind is inspect.Parameter.KEYWORD_ONLY:
                    kwargs[param.name] = value
                else:
                    args.append(value)
                expected_args, expected_kwargs = args, kwargs
            result = getattr(twin, name)(*args, **kwargs)
            assert inner.calls == [(name, tuple(expected_args), expected_kwargs)], name
            if isinstance(result, SyncPaginator):
                assert result._paginator == f"result of {name}"
            else:
                assert result == f"result of {name}"
