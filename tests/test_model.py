"""The model's graph questions on hand-made projects."""

from hypothesis import given
from hypothesis import strategies as st

from cdlint.model import Condition, Edge, Pipeline, Project, Span, Stage, Trigger

PUSH = Trigger("push", Span("p.yml", 1, 1))
PULL = Trigger("pull_request", Span("p.yml", 1, 1))
MAIN = Condition("main only", Span("p.yml", 2, 1), refs=("refs/heads/main",))


def project(n: int, edges: list[tuple[int, int]], limited: set[int], **edge_options) -> Project:
    stages = tuple(
        Stage(f"s{i}", f"s{i}", "p.yml", Span("p.yml", i + 1, 1), condition=MAIN if i in limited else Condition())
        for i in range(n)
    )
    links = tuple(Edge(f"p.yml#s{a}", f"p.yml#s{b}", "order", Span("p.yml", 1, 1), **edge_options) for a, b in edges)
    return Project(".", (Pipeline("p.yml", "github", triggers=(PUSH, PULL), stages=stages, edges=links),))


def test_a_stage_after_a_limited_one_inherits_its_limit() -> None:
    p = project(3, [(0, 1), (1, 2)], limited={1})
    assert p.triggers_of(p.stage("p.yml#s0")) == [PUSH, PULL]
    assert p.triggers_of(p.stage("p.yml#s2")) == [PUSH]
    assert p.condition_of(p.stage("p.yml#s2")).refs == ("refs/heads/main",)


def test_a_dependency_left_out_of_the_run_limits_nothing_when_it_does_not_skip() -> None:
    p = project(3, [(0, 1), (1, 2)], limited={1}, skips_with_source=False)
    assert p.triggers_of(p.stage("p.yml#s2")) == [PUSH, PULL]


def test_a_long_chain_and_a_cycle_are_resolved_without_recursion() -> None:
    chain = project(5000, [(i, i + 1) for i in range(4999)], limited={0})
    assert chain.triggers_of(chain.stage("p.yml#s4999")) == [PUSH]
    loop = project(3, [(0, 1), (1, 2), (2, 0)], limited={2})
    assert {t.kind for s in loop.stages() for t in loop.triggers_of(s)} == {"push"}


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=16),
    st.sets(st.integers(0, n - 1)),
)))
def test_inherited_limits_only_ever_narrow(case) -> None:
    n, edges, limited = case
    p = project(n, edges, limited)
    for s in p.stages():
        assert set(p.triggers_of(s)) <= {t for t in (PUSH, PULL) if s.condition.allows(t)}
        if any(a != b and b == int(s.id[1:]) and a in limited for a, b in edges):
            assert PULL not in p.triggers_of(s)


def test_the_evidence_path_is_the_longest_chain_before_a_stage() -> None:
    p = project(4, [(0, 1), (1, 3), (0, 2), (2, 3), (1, 2)], limited=set())
    assert [h.label for h in p.path_to(p.stage("p.yml#s3"))] == ["push", "s0", "s1", "s2", "s3"]


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20),
)))
def test_an_evidence_path_passes_each_stage_once_even_around_cycles(case) -> None:
    n, edges = case
    p = project(n, edges, limited=set())
    for s in p.stages():
        stages = [h.stage.key for h in p.path_to(s) if h.stage is not None]
        assert stages[-1] == s.key and len(stages) == len(set(stages))
        assert all((stages[i], stages[i + 1]) in {(f"p.yml#s{a}", f"p.yml#s{b}") for a, b in edges} for i in range(len(stages) - 1))
