"""Running the examples and counterexamples of signal entries through classification.

The tests run every shipped entry's examples; the configuration loader runs the
user's, so an entry that does not match its own example is an error at load time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdlint.classify.signals import tag_set
from cdlint.model import Span, Stage, Step

_PLATFORMS = {"action": "github", "task": "azure", "step": "jenkins"}


def _call(kind: str, value: Any) -> Step:
    if isinstance(value, Mapping):
        uses, inputs = str(value["uses"]), {str(k): _text(v) for k, v in (value.get("with") or {}).items()}
    else:
        uses, inputs = str(value), {}
    separator = "@" if kind != "step" else "\0"
    name, _, version = uses.partition(separator)
    return Step(Span("example", 1), uses=name, version=version or None, inputs=tuple(inputs.items()))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def classified(classifier, entry: Mapping[str, Any], value: Any) -> tuple[frozenset[str], Stage | None]:
    """What classification makes of an example of ``entry``: its tags, and the stage
    (for entries whose meaning shows on a stage: keywords, deliveries)."""
    steps = classifier.steps
    if "command" in entry or "script" in entry:
        step = steps.step(Step(Span("example", 1), run=str(value)), "github")
        stage = classifier.stages.stage(Stage("example", "example", "example", Span("example", 1), steps=(step,)), "github")
        return step.tags, stage
    for kind, platform in _PLATFORMS.items():
        if kind in entry:
            step = steps.step(_call(kind, value), platform)
            stage = classifier.stages.stage(Stage("example", "example", "example", Span("example", 1), steps=(step,)), platform)
            return step.tags, stage
    if "keyword" in entry:
        stage = Stage("example", "example", "example", Span("example", 1), facts=frozenset({str(value)}))
        stage = classifier.stages.stage(stage, "gitlab")
        return stage.tags, stage
    if "name" in entry:
        return classifier.stages.name_tags(str(value)) | (
            {"setup"} if steps.is_setup_name(str(value)) else set()
        ), None
    if "reference" in entry:
        return classifier.reference_tags(str(value)), None
    return frozenset(), None


def check(classifier, entry: Mapping[str, Any], value: Any, positive: bool) -> str | None:
    """Why ``value`` is not classified as ``entry`` says (or, for a counterexample, why it
    is); None when it is right."""
    signals = classifier.signals
    if "tier" in entry:
        tier = classifier.tiers(str(value))
        if positive and tier != entry["tier"]:
            return f"'{value}' is a {tier} environment, not {entry['tier']}"
        if not positive and tier == entry["tier"]:
            return f"'{value}' is a {tier} environment"
        return None
    flags = {
        "per_change": lambda v: bool(signals.per_change.search(v)),
        "branch_variable": lambda v: bool(signals.branch_variables.search(v)),
        "build_variable": lambda v: bool(signals.build_variables.search(v)),
        "mutable_tags": lambda v: v.lower() in signals.mutable_tags,
    }
    for key, test in flags.items():
        if key in entry:
            if test(str(value)) != positive:
                return f"'{value}' is {'not ' if positive else ''}matched ({key})"
            return None
    if "channel" in entry:
        return _check_channel(signals, entry, str(value), positive)
    if "target" in entry and "text" in entry or "delivery" in entry:
        return _check_delivery(classifier, entry, value, positive)
    wanted = tag_set(entry.get("tags", ""))
    tags, stage = classified(classifier, entry, value)
    shown = _shown(value)
    if positive:
        missing = wanted - tags
        if missing:
            return f"{shown} is not tagged {' '.join(sorted(missing))} (tags: {' '.join(sorted(tags)) or 'none'})"
        delivers = entry.get("delivers")
        if delivers and stage is not None and not any(d.kind == delivers for d in stage.deliveries):
            return f"{shown} does not deliver ({delivers})"
        return None
    # An entry with no tags says what is known to do nothing cdlint tracks; its
    # counterexamples are only documentation.
    if wanted and wanted <= tags:
        return f"{shown} is tagged {' '.join(sorted(wanted))}"
    return None


def _check_delivery(classifier, entry: Mapping[str, Any], value: Any, positive: bool) -> str | None:
    """A delivery entry's example is a step that delivers so (its kind, or its target)."""
    step = classifier.steps.step(Step(Span("example", 1), run=str(value)), "github")
    stage = classifier.stages.stage(Stage("example", "example", "example", Span("example", 1), steps=(step,)), "github")
    got = {d.target for d in stage.deliveries} if "target" in entry else {d.kind for d in stage.deliveries}
    wanted = entry["target"] if "target" in entry else entry["delivers"]
    if (wanted in got) != positive:
        return f"'{value}' {'does not deliver' if positive else 'delivers'} {wanted} (delivers: {', '.join(sorted(got)) or 'nothing'})"
    return None


def _check_channel(signals, entry: Mapping[str, Any], value: str, positive: bool) -> str | None:
    from cdlint.classify import text as texts

    from cdlint.classify.signals import compile_pattern

    hit = False
    if entry.get("text"):
        hit = bool(compile_pattern(entry, entry["text"]).search(value))
    if entry.get("words"):
        words = set(entry["words"].split())
        hit = hit or bool(words & set(texts.words(value)))
    if hit != positive:
        return f"'{value}' {'does not say' if positive else 'says'} {entry['channel']}"
    return None


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        inputs = ", ".join(f"{k}: {v}" for k, v in (value.get("with") or {}).items())
        return f"'{value['uses']}'" + (f" with {inputs}" if inputs else "")
    return f"'{value}'"
