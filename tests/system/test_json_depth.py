"""The depth count that guards every JSON body agrees with what the parser sees."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from greetings.ops.inputs import json_depth_within

FUZZ = settings(max_examples=200, deadline=None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=40)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    return 0


@FUZZ
@given(value=json_values, limit=st.integers(min_value=1, max_value=6))
def test_the_depth_count_agrees_with_the_parsed_value(value, limit):
    text = json.dumps(value)
    assert json_depth_within(text, limit) == (depth(value) <= limit)


def test_brackets_inside_strings_do_not_count():
    assert json_depth_within('{"a": "[[[[[[[[[[", "b": "\\"[[["}', 1)
    assert not json_depth_within('[[["]"]]]', 2)
