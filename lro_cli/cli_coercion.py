"""Typer's value coercion, minus Pydantic for plain text: `lro get` should not pay for it.

Typer 0.2x coerces every non-flag value through a Pydantic `TypeAdapter`, and building the first
one imports Pydantic: tens of milliseconds on every `lro get` or `lro wait`, for options that are
text already. `defer_typer_coercion` makes Typer build that machinery only for a value it cannot
pass through unchanged: a text value for a `str` parameter, and a list of texts for `list[str]`,
come back as Pydantic would return them; anything else (`--port`, a bad value) takes Typer's own
path, errors and messages included. On a Typer without these internals it does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_TEXTS = list[str]


def _all_text(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(type(item) is str for item in value)


def defer_typer_coercion() -> None:
    try:
        from typer import _coercion, core
    except ImportError:  # a Typer without Pydantic coercion: nothing to defer
        return
    build: Any = getattr(core, "build_runtime_param", None)
    base: Any = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or getattr(build, "lro_deferred", False):
        return

    @dataclass(frozen=True)
    class Deferred(base):  # type: ignore[misc]
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.parameter_info.parser is None:
                if self.annotation is str and type(value) is str:
                    return value
                if self.annotation == _TEXTS and _all_text(value):
                    return list(value)
            return self._typer_param()._coerce_value(value, param=param, ctx=ctx)

        def _typer_param(self) -> Any:
            built = self.__dict__.get("typer_param")
            if built is None:
                built = build(self.descriptor)
                object.__setattr__(self, "typer_param", built)
            return built

    def build_deferred(descriptor: Any) -> Any:
        return Deferred(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )

    build_deferred.lro_deferred = True  # type: ignore[attr-defined]
    setattr(core, "build_runtime_param", build_deferred)  # noqa: B010 - a private name
