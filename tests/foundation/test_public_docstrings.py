"""Every function of the top-level API (``cztmap.<name>``) documents itself in the numpydoc way.

A function has a Parameters section (if it takes arguments), a Returns or Yields section (unless it
returns None) and an Examples section; the suite runs those examples as doctests (``--doctest-modules``).
"""

from __future__ import annotations

import inspect
import warnings

import pytest

import cztmap

_FUNCTIONS = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    for _name in sorted(cztmap._API):
        _obj = getattr(cztmap, _name)
        if inspect.isfunction(_obj):
            _FUNCTIONS.append((_name, _obj))


def test_the_api_has_functions() -> None:
    assert len(_FUNCTIONS) >= 25


@pytest.mark.parametrize(("name", "fn"), _FUNCTIONS, ids=[n for n, _ in _FUNCTIONS])
def test_public_function_has_numpydoc_sections(name: str, fn) -> None:
    doc = inspect.getdoc(fn) or ""
    sig = inspect.signature(fn)
    needed = ["Examples"]
    if sig.parameters:
        needed.append("Parameters")
    if sig.return_annotation not in (None, "None", inspect.Signature.empty):
        needed.append("Returns" if "Yields" not in doc else "Yields")
    missing = [s for s in needed if f"\n{s}\n---" not in f"\n{doc}"]
    assert not missing, f"cztmap.{name} ({fn.__module__}) lacks the numpydoc section(s) {missing}"
