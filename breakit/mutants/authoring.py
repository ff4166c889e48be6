"""Test helpers for mutation authors: check a transformer on before/after snippets of code."""

from __future__ import annotations

import difflib
import textwrap

import libcst as cst

from breakit.mutants.codemod import transform_source

__all__ = ["assert_no_change", "assert_transform"]


def _clean(source: str) -> str:
    # Snippets are written as indented triple-quoted strings that open with a newline.
    return textwrap.dedent(source).lstrip("\n")


def assert_transform(transformer: type[cst.CSTTransformer], before: str, after: str) -> None:
    """`transformer` turns `before` into exactly `after` (both dedented); a diff if it does not."""
    expected = _clean(after)
    actual = transform_source(_clean(before), transformer)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                "expected",
                "actual",
            )
        )
        raise AssertionError(f"{transformer.__name__} did not give the expected code:\n{diff}")


def assert_no_change(transformer: type[cst.CSTTransformer], source: str) -> None:
    """`transformer` leaves `source` (dedented) exactly as it is."""
    code = _clean(source)
    actual = transform_source(code, transformer)
    if actual != code:
        diff = "".join(
            difflib.unified_diff(
                code.splitlines(keepends=True), actual.splitlines(keepends=True), "before", "after"
            )
        )
        raise AssertionError(f"{transformer.__name__} changed code it should leave alone:\n{diff}")
