"""The one place typed text is made safe to store and export: control characters out, JSON bounded.

A NUL cannot be stored in PostgreSQL text and \\x00–\\x1f (but tab and line breaks) cannot be written into an
.xlsx, so one stored control character would break saving, the table's Excel and the archive. Every text
input (forms through the middleware, table cells, Excel, JSON documents, rich text) passes ``clean_text``.
Pure Python: no Django, no database.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates (not encodable);
# the two non-characters U+FFFE and U+FFFF. Excel, PostgreSQL and the PDF renderer reject or mangle them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Nesting a table row, a team list or an evaluation document needs (a document's indicator tree is the deepest:
# document → indicators → children … a few levels); far beyond that is an attack, not a document.
MAX_JSON_DEPTH = 64


class JsonShapeError(ValueError):
    """JSON that cannot be read or is nested beyond MAX_JSON_DEPTH; the message is Chinese."""


def clean_text(value: str) -> str:
    """The text without control characters (tab and line breaks stay)."""
    return _CONTROL.sub("", value)


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _depth_checked(value: Any, depth: int = 0) -> Any:
    """The value with every string cleaned; JsonShapeError when nested deeper than MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH:
        raise JsonShapeError(f"数据嵌套超过 {MAX_JSON_DEPTH} 层，无法读取。")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_depth_checked(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(key)): _depth_checked(item, depth + 1) for key, item in value.items()}
    return value


def clean_json(value: Any) -> Any:
    """Already-parsed JSON with every string (keys too) cleaned, or JsonShapeError when nested absurdly deep."""
    return _depth_checked(value)


def load_json(text: str | bytes, **options: Any) -> Any:
    """JSON text read (``options`` as json.loads takes them), nesting bounded and every string cleaned;
    JsonShapeError (Chinese) when it cannot be read. json.JSONDecodeError passes through for callers that
    point at the line and column.

    Python's parser recurses per nesting level: "[[[[…" a hundred thousand deep raises RecursionError, and a
    thousand-deep list later breaks str() or a copy; both must answer a message, not a server error."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise JsonShapeError(f"数据嵌套超过 {MAX_JSON_DEPTH} 层，无法读取。") from None
    return clean_json(value)


# What spreadsheet programs read as the start of a formula when they open a CSV file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell that opens as the text written: control characters out, and a leading = + - @ quoted with an
    apostrophe (the usual defence against formula injection); numbers and empty cells unchanged."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text
