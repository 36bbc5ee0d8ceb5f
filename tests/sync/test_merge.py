"""The three-way merge of minutes text: clean merges keep both sides, overlaps are refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.sync.merge import merge_text

LINES = st.lists(st.sampled_from(["개회", "北京 发言", "PM2.5", "", "합의", "同意"]), max_size=8)


def test_edits_of_different_lines_merge_and_edits_of_the_same_line_conflict() -> None:
    base = "a\nb\nc\nd\ne"
    assert merge_text(base, "A\nb\nc\nd\ne", "a\nb\nc\nd\nE") == "A\nb\nc\nd\nE"
    assert merge_text(base, "A\nb\nc\nd\ne", "a\nB\nc\nd\ne") == "A\nB\nc\nd\ne"  # neighbours
    assert merge_text(base, "a\nb\nx\nc\nd\ne", "a\nb\nc\nd\ne\nlast") == "a\nb\nx\nc\nd\ne\nlast"
    assert merge_text(base, "A\nb\nc\nd\ne", "X\nb\nc\nd\ne") is None
    assert merge_text("", "mine", "theirs") is None  # both wrote a new section
    assert merge_text(base, "a\nb\nnew\nc\nd\ne", "a\nb\nother\nc\nd\ne") is None


@given(base=LINES, mine=LINES)
def test_a_side_left_unchanged_takes_the_other_side(base: list[str], mine: list[str]) -> None:
    b, m = "\n".join(base), "\n".join(mine)
    assert merge_text(b, m, b) == m
    assert merge_text(b, b, m) == m
    assert merge_text(b, m, m) == m


@given(
    base=st.lists(st.text(alphabet="가나北京ab", max_size=4), min_size=2, max_size=8),
    data=st.data(),
)
def test_edits_of_disjoint_lines_always_merge_to_both(base: list[str], data: st.DataObject) -> None:
    n = len(base)
    cut = data.draw(st.integers(1, n - 1))
    mine, theirs = list(base), list(base)
    for i in range(cut):
        mine[i] = base[i] + "+m"
    for i in range(cut, n):
        theirs[i] = base[i] + "+t"
    merged = merge_text("\n".join(base), "\n".join(mine), "\n".join(theirs))
    assert merged == "\n".join(mine[:cut] + theirs[cut:])
