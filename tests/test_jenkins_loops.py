"""Jenkins stages made at run time from what the file writes: loops over literal
collections are expanded (bounded); a loop over a computed one keeps one representative
stage, marked as repeated. The fixtures are in fixtures/parsers/jenkins/loops (their
golden graphs are checked by test_parsers)."""

import time

from hypothesis import example, given
from hypothesis import strategies as st

from cdlint.parsers.groovy import parse as parse_groovy
from cdlint.parsers.groovy_values import evaluate
from cdlint.parsers.jenkins_loops import MAX_ITERATIONS, MAX_STAGES
from cdlint.project import parse_file
from cdlint.workspace import Workspace

from conftest import FIXTURES

LOOPS = FIXTURES / "parsers" / "jenkins"


def stages(name: str) -> dict:
    pipeline = parse_file(f"loops/{name}", "jenkins", Workspace(LOOPS))
    assert not pipeline.problems
    return {s.id: s for s in pipeline.stages}


def parse_text(text: str):
    from cdlint.parsers import jenkins

    return jenkins.parse(text, "Jenkinsfile", Workspace())


def test_a_parallel_map_filled_in_a_loop_over_a_literal_list() -> None:
    found = stages("for-in-list.Jenkinsfile")
    assert sorted(found) == ["Build linux", "Build macos", "Test linux", "Test macos"]
    assert found["Build macos"].steps[0].run == "make PLATFORM=macos"
    assert {s.template for s in found.values()} == {"loops/for-in-list.Jenkinsfile#loop:3"}
    assert not any("repeated" in s.facts for s in found.values())


def test_each_over_a_literal_map_deploys_each_environment_in_order() -> None:
    pipeline = parse_file("loops/each-map.Jenkinsfile", "jenkins", Workspace(LOOPS))
    found = {s.id: s for s in pipeline.stages}
    assert found["Deploy staging"].environment.tier == "staging"
    assert found["Deploy production"].environment.tier == "production"
    assert [s.run for s in found["Deploy production"].steps if s.run] == ["./deploy.sh prod.example.com"]
    order = {(e.source.partition("#")[2], e.target.partition("#")[2]) for e in pipeline.edges if e.kind == "order"}
    assert {("Test", "Deploy staging"), ("Deploy staging", "Deploy production")} <= order


def test_parallel_given_what_collect_entries_makes_and_the_methods_its_branches_call() -> None:
    assert sorted(stages("collect-entries.Jenkinsfile")) == [
        "Test on JDK 17", "Test on JDK 21", "Verify on JDK 17", "Verify on JDK 21"]


def test_branches_a_method_returns_for_each_item() -> None:
    assert sorted(stages("method-branches.Jenkinsfile")) == ["Build on linux", "Build on windows"]


def test_a_counted_loop_over_a_literal_list() -> None:
    assert sorted(stages("counted.Jenkinsfile")) == ["Run e2e", "Run integration", "Run unit", "Tests"]


def test_a_computed_collection_keeps_one_stage_marked_as_repeated() -> None:
    found = stages("computed.Jenkinsfile")
    assert sorted(found) == ["Deploy ${region}", "Module ${name}"]
    assert "repeated" in found["Module ${name}"].facts
    assert found["Module ${name}"].matrix == (("m", ("${modules}",)),)
    assert found["Deploy ${region}"].matrix == (("region", ("${params.REGIONS.split(',')}",)),)


def test_a_collection_too_big_to_expand_is_one_repeated_stage() -> None:
    items = ", ".join(f"'m{n}'" for n in range(MAX_ITERATIONS + 1))
    pipeline = parse_text(f"node {{\n  for (m in [{items}]) {{\n    stage(\"Build ${{m}}\") {{ sh 'make' }}\n  }}\n}}\n")
    [stage] = pipeline.stages
    assert stage.name == "Build ${m}" and "repeated" in stage.facts


def test_nested_loops_stop_at_the_stage_budget_and_stay_fast() -> None:
    outer = ", ".join(f"'a{n}'" for n in range(MAX_ITERATIONS))
    text = (f"node {{\n  for (a in [{outer}]) {{\n    for (b in [{outer}]) {{\n"
            "      stage(\"S ${a} ${b}\") { sh 'make' }\n    }\n  }\n}\n")
    start = time.perf_counter()
    pipeline = parse_text(text)
    assert time.perf_counter() - start < 30
    assert MAX_STAGES <= len(pipeline.stages) <= MAX_STAGES + MAX_ITERATIONS
    assert any("repeated" in s.facts for s in pipeline.stages)


WORDS = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=MAX_ITERATIONS, unique=True)


@given(WORDS, st.sampled_from(["for", "each", "times"]))
@example(["linux"], "for")
def test_a_loop_over_literals_makes_one_stage_per_item(words, form) -> None:
    literal = "[" + ", ".join(f"'{w}'" for w in words) + "]"
    loop = {
        "for": f"for (w in {literal}) {{\n    stage(\"Build ${{w}}\") {{ sh \"make ${{w}}\" }}\n  }}",
        "each": f"{literal}.each {{ w ->\n    stage(\"Build ${{w}}\") {{ sh \"make ${{w}}\" }}\n  }}",
        "times": f"{len(words)}.times {{ w ->\n    stage(\"Build ${{w}}\") {{ sh \"make ${{w}}\" }}\n  }}",
    }[form]
    pipeline = parse_text("node {\n  " + loop + "\n}\n")
    expected = words if form != "times" else [str(n) for n in range(len(words))]
    assert [s.name for s in pipeline.stages] == [f"Build {w}" for w in expected]
    assert [s.steps[0].run for s in pipeline.stages] == [f"make {w}" for w in expected]


def value(expression: str, **scope):
    [statement] = parse_groovy(f"def x = {expression}\n").body
    return evaluate(statement.value, scope)


def test_values_the_file_writes() -> None:
    assert value("['a', 'b'] + ['c']") == ["a", "b", "c"]
    assert value("[linux: 'x', mac: 'y'].keySet()") == ["linux", "mac"]
    assert value("'a, b,c'.split(',\\\\s*')") == ["a", "b", "c"]
    assert value("'a b  c'.tokenize(' ')") == ["a", "b", "c"]
    assert value("1..3") == ["1", "2", "3"]
    assert value("\"Build ${os.capitalize()}\"", os="linux") == "Build Linux"
    assert value("targets[name]", targets={"prod": "p.example.com"}, name="prod") == "p.example.com"
    assert value("env.BRANCH_NAME") is None and value("params.LIST.split(',')") is None
    assert value("[a, 'b']") is None
