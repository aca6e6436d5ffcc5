"""Classification: one pass, after parsing and before rules, that decides what every
step and stage does.

Parsers record what is written (commands, called actions, tasks and library steps
with their arguments, environments, keywords, names). :func:`annotate` gives every
step and stage its tags (``kind`` or ``kind:detail``: ``test:e2e``, ``deploy:helm``,
``report:junit``, ``version:commit`` …), each with its evidence (a
:class:`~cdlint.model.Signal`), infers the environments deploys go to, and records
what each stage delivers (:class:`~cdlint.model.Delivery`). Rules and maturity
detectors read these annotations; they never classify text themselves.

What a signal means is data: the YAML files of ``cdlint/signals``
(:mod:`cdlint.classify.signals`), which users extend in their configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cdlint.classify.deliveries import Context, image_key
from cdlint.classify.signals import Signals, shipped
from cdlint.classify.stages import StageClassifier, environment_part
from cdlint.classify.steps import StepClassifier, kinds
from cdlint.classify.text import commands, is_dynamic
from cdlint.classify.tiers import DEFAULT_TIERS, TIER_RANK, Tiers
from cdlint.model import Pipeline, Project, Span, Step

__all__ = [
    "DEFAULT_TIERS", "TIER_RANK", "Classifier", "Tiers", "annotate", "call_tags", "command_tags", "commands",
    "environment_part", "is_dynamic", "kinds",
]


class Classifier:
    """Classification with one set of signals (the shipped ones and the user's) and tiers."""

    def __init__(self, tiers: Tiers = DEFAULT_TIERS, extra: Sequence[Mapping[str, Any]] = ()) -> None:
        self.signals: Signals = shipped().with_entries(extra)
        self.tiers = tiers
        self.steps = StepClassifier(self.signals)
        self.stages = StageClassifier(self.steps, tiers)

    def pipeline(self, pipeline: Pipeline, project: Project | None = None, used: frozenset[str] | None = None) -> Pipeline:
        """``pipeline`` with its stages and references annotated; ``project`` is the
        (unclassified) project it belongs to, for what depends on other pipelines, and
        ``used`` the images its jobs run in."""
        project = project or Project(".", (pipeline,))
        used = self._used_images(project) if used is None else used
        draft = any(self.stages.deliveries.withheld(step) for s in pipeline.stages for step in s.steps if "gh release create" in (step.run or ""))
        stages = tuple(
            self.stages.stage(s, pipeline.platform, Context(pipeline, project, s, used, draft))
            for s in pipeline.stages
        )
        references = tuple(replace(r, tags=self.reference_tags(r.target)) for r in pipeline.references)
        return replace(pipeline, stages=stages, references=references)

    def project(self, project: Project) -> Project:
        """``project`` with every pipeline annotated (the links between stages are kept)."""
        used = self._used_images(project)
        return replace(project, pipelines=tuple(self.pipeline(p, project, used) for p in project.pipelines))

    def _used_images(self, project: Project) -> frozenset[str]:
        """The images the project's own jobs run in (job images and service containers),
        as written, tags kept."""
        return frozenset(image.strip().strip("'\"") for stage in project.stages() for image in (stage.image, *stage.services) if image)

    def reference_tags(self, target: str) -> frozenset[str]:
        """Tags for a template or include cdlint did not read, by its name."""
        return frozenset(t for effect, p in self.signals.references if p.search(target[:1024]) for t in effect.tags)


_default: Classifier | None = None


def default() -> Classifier:
    """Classification with the shipped signals and tiers only."""
    global _default
    if _default is None:
        _default = Classifier()
    return _default


def pipeline(parsed: Pipeline) -> Pipeline:
    """One parsed pipeline, classified with the shipped signals (for tools and tests that
    read a single file; a project is classified as a whole by :func:`annotate`)."""
    return default().pipeline(parsed)


def command_tags(script: str) -> frozenset[str]:
    """Tags the shipped signals give a shell script."""
    return default().steps.script_tags(script)


def call_tags(platform: str, uses: str, inputs: Mapping[str, str] | None = None) -> frozenset[str]:
    """Tags the shipped signals give a call of an action (GitHub), task (Azure), library
    step (Jenkins) or keyword (GitLab) with ``inputs``."""
    step = Step(Span("", 1), uses=uses, inputs=tuple((inputs or {}).items()))
    return default().steps.step(step, platform).tags


def annotate(project: Project, classifier: Classifier | None = None) -> Project:
    """Classify every step and stage of ``project``."""
    return (classifier or default()).project(project)
