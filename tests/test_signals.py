"""The signal data: every shipped entry is valid and classifies its examples as it says,
and its counterexamples not."""

import json
import re
from importlib.resources import files

import jsonschema
import pytest

from cdlint import classify
from cdlint.classify.examples import check
from cdlint.classify.signals import FILES, examples, shipped_documents

DOCUMENTS = shipped_documents()
EXAMPLES = examples(DOCUMENTS)
SCHEMA = json.loads(files("cdlint").joinpath("schemas", "signals.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, document", DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_each_signal_file_is_valid(name: str, document: dict) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, "\n".join(errors[:20])


def test_every_pattern_compiles_with_its_macros() -> None:
    signals = classify.default().signals
    for entry in signals.entries:
        for key in ("command", "script", "reference", "names", "per_change", "branch_variable", "text"):
            if key in entry:
                re.compile(signals.expand(entry[key]))
        for pattern in (entry.get("inputs") or {}).values():
            re.compile(pattern)


def test_the_shipped_files_are_all_read() -> None:
    assert [name for name, _ in DOCUMENTS] == [f"cdlint/signals/{f}.yaml" for f in FILES]
    assert len(classify.default().signals.entries) == sum(len(d.get("signals") or []) for _, d in DOCUMENTS)


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e.where}{'+' if e.positive else '-'}{str(e.value)[:40]}" for e in EXAMPLES]
)
def test_signal_example(example) -> None:
    assert check(classify.default(), example.entry, example.value, example.positive) is None


def test_the_schemas_know_every_tier_of_the_model() -> None:
    from cdlint.model import TIERS

    graph = json.loads(files("cdlint").joinpath("schemas", "graph-v1.schema.json").read_text(encoding="utf-8"))
    stage = graph["properties"]["pipelines"]["items"]["properties"]["stages"]["items"]
    assert stage["properties"]["environment"]["oneOf"][1]["properties"]["tier"]["enum"] == list(TIERS)
    assert SCHEMA["$defs"]["entry"]["properties"]["tier"]["enum"] == list(TIERS)
