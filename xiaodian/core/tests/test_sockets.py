"""The shared frame reader: nesting is counted without parsing, brackets inside strings don't count."""

import pytest

from xiaodian.core.errors import DomainError
from xiaodian.core.sockets import MAX_DEPTH, nesting_depth, parse_frame


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('{"type": "ping"}', 1),
        ('{"a": [[1], {"b": []}]}', 4),
        ('{"text": "[[[[[[[[[[[[[[[["}', 1),
        ('{"text": "a \\" [[[[[[[[[[[[ \\\\", "b": [1]}', 2),
        ("[" * 10_000, 10_000),
        ("42", 0),
    ],
)
def test_nesting_is_counted_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_a_frame_as_deep_as_allowed_is_read_and_one_deeper_is_refused():
    ok = '{"type": "ping", "x": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"
    assert parse_frame(ok, None, types={"ping"})["type"] == "ping"
    with pytest.raises(DomainError) as refused:
        parse_frame('{"type": "ping", "x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}", None, types={"ping"})
    assert refused.value.code == "malformed_request"


def test_a_comment_full_of_brackets_is_read():
    frame = parse_frame('{"type": "comment", "text": "' + "[" * 500 + '"}', None, types={"comment"})
    assert frame["text"] == "[" * 500
