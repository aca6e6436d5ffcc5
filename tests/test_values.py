"""cdlint.values.value behaves as @dataclass(frozen=True), only cheaper to define."""

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlint.model import Edge, Span, Stage
from cdlint.values import value


@value(order=True)
class Mine:
    """A value."""

    name: str
    count: int = 0
    items: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, order=True)
class Theirs:
    """A value."""

    name: str
    count: int = 0
    items: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, repr=False)


FIELDS = st.tuples(st.text(max_size=3), st.integers(-2, 2), st.tuples(st.integers(0, 2)) | st.just(()))


@given(FIELDS, FIELDS)
def test_compares_hashes_and_shows_as_a_frozen_dataclass_does(a, b) -> None:
    mine_a, mine_b, theirs_a, theirs_b = Mine(*a), Mine(*b), Theirs(*a), Theirs(*b)
    assert (mine_a == mine_b) == (theirs_a == theirs_b)
    assert hash(mine_a) == hash(theirs_a)
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(mine_a, op)(mine_b) == getattr(theirs_a, op)(theirs_b)
    assert repr(mine_a).removeprefix("Mine") == repr(theirs_a).removeprefix("Theirs")


def test_is_a_frozen_dataclass() -> None:
    one = Mine("a", extra={"k": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del one.name  # type: ignore[misc]
    assert dataclasses.replace(one, count=3) == Mine("a", 3)
    assert dataclasses.asdict(one) == {"name": "a", "count": 0, "items": (), "extra": {"k": 1}}
    assert Mine("a").extra is not Mine("a").extra
    assert pickle.loads(pickle.dumps(one)) == one
    assert Mine("a") != Theirs("a") and Mine("a").__eq__(Theirs("a")) is NotImplemented
    with pytest.raises(TypeError):
        Mine()  # type: ignore[call-arg]


def test_the_model_keeps_its_order_and_identity() -> None:
    spans = [Span("b", 1), Span("a", 2, 3), Span("a", 2, 1, 4, 5), Span("a", 1, 1)]
    assert sorted(spans) == [Span("a", 1, 1), Span("a", 2, 1, 4, 5), Span("a", 2, 3), Span("b", 1)]
    edge = Edge("p#a", "p#b", "order", Span("p", 1))
    assert {edge, Edge("p#a", "p#b", "order", Span("p", 1))} == {edge}
    stage = Stage("a", "A", "p", Span("p", 1))
    assert stage.key == "p#a" and dataclasses.replace(stage, id="b").key == "p#b"
