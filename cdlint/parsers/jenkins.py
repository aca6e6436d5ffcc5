"""Jenkinsfiles (declarative and scripted pipelines) into the stage graph.

The Groovy is read by :mod:`cdlint.parsers.groovy` (never evaluated); this module
maps its tree onto the model:

- ``stage`` calls are stages, wherever they are written (``pipeline { stages {} }``,
  ``node { }``, inside ``if``, ``try``, wrappers, loops, local methods and closures).
  Sequential stages get order edges; ``parallel`` branches fan out from what came
  before and join at what comes after; ``matrix`` stages carry their axes. Loops over
  collections the file writes make their stages once per item; over computed ones,
  one stage marked as repeated (:mod:`cdlint.parsers.jenkins_loops`).
- ``when`` (declarative) and ``if (env.BRANCH_NAME == 'main')`` (scripted) become
  branch conditions. A stage skipped by ``when`` does not stop the stages after it.
- ``input`` makes a stage wait for a person (``when: manual``): an approval gate.
- ``catchError``, ``warnError``, ``returnStatus: true`` whose status nobody checks,
  and ``try``/``catch`` blocks that do not rethrow let a failure through.
- ``stash``/``unstash``, ``archiveArtifacts``/``copyArtifacts`` make artifact
  edges; ``build job:`` triggers another pipeline (linked when the repository holds
  a Jenkinsfile of that name, recorded otherwise).
- Pipeline ``post`` blocks that deploy, build or test become stages that run after
  the pipeline with the block's condition (``always``, ``success`` …); stage
  ``post`` blocks add their steps to the stage.
- Shared libraries (``@Library``, ``library``) are recorded as references; their
  steps are unknown calls, classified by name (``deployToProd()`` deploys). Groovy
  files evaluated with ``load`` are recorded as references too, and not read.

Jenkins keeps a Jenkinsfile's SCM triggers in the job (multibranch projects build
every branch and tag they discover), so every Jenkinsfile is started by pushes and
tags, unless ``overrideIndexTriggers(false)`` turns those builds off for its job;
``triggers {}`` and ``properties([pipelineTriggers()])`` add schedules, SCM
polling and upstream jobs, and ``parameters`` make the build one a person starts
with chosen values.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from cdlint.classify.steps import kinds
from cdlint.errors import ParseError
from cdlint.model import (
    Artifact,
    Condition,
    Edge,
    Input,
    LineIndex,
    Pipeline,
    Problem,
    Reference,
    Span,
    Stage,
    Step,
    Trigger,
    intersect,
    sorted_edges,
)
from cdlint.parsers import groovy as g
from cdlint.parsers.common import link_artifacts, make_step
from cdlint.parsers.groovy_values import text as value_text
from cdlint.parsers.jenkins_loops import ITERATING, LOOPS, MAX_ITERATIONS, MAX_STAGES, LoopReader, Stored
from cdlint.workspace import Workspace

PLATFORM = "jenkins"
MAX_DEPTH = 60
MAX_CALL_DEPTH = 6
# Loops stop making a stage per item at MAX_STAGES (then one stage stands for the rest of a
# loop); whatever else multiplies stages (branches handed around, methods calling methods)
# stops here.
MAX_READ_STAGES = MAX_STAGES + MAX_ITERATIONS

# Steps that run a shell script, and the argument holding it.
_SCRIPT_STEPS = frozenset({"sh", "bat", "powershell", "pwsh"})
# Calls that only print, wait or fail; they are not steps of the graph.
_NOISE = frozenset({"echo", "print", "println", "sleep", "error", "printf", "emit", "log"})
# Steps that only run a block somewhere (on an agent, in a directory, with credentials).
_PLAIN_BLOCKS = frozenset(
    {"node", "timeout", "timestamps", "dir", "ws", "retry", "container", "withCredentials", "ansiColor", "wrap",
     "script", "steps", "configFileProvider", "withDockerRegistry", "withDockerServer", "withFolderProperties",
     "waitUntil", "catchError", "warnError", "lock", "withEnv", "podTemplate", "dockerNode", "kubernetes",
     "containerTemplate", "withGradle", "withAnt", "xvfb", "withNPM", "nodejs", "withPythonEnv", "tool",
     "withVault", "withBuildUser", "buildName", "gitlabBuilds", "gitlabCommitStatus", "githubNotify",
     "withChecks", "publishChecks", "each", "with", "collect"}
)
_POST_WHEN = {
    "always": "always", "cleanup": "always", "changed": "always", "success": "on_success", "fixed": "on_success",
    "failure": "on_failure", "unstable": "on_failure", "regression": "on_failure", "aborted": "on_failure",
    "unsuccessful": "on_failure", "notBuilt": "on_failure",
}
# Variables that name the environment a deploy targets.
_BRANCH_VARS = re.compile(r"^(?:env\.)?(?:BRANCH_NAME|GIT_BRANCH|GIT_LOCAL_BRANCH|CHANGE_BRANCH)$")
_TAG_VARS = re.compile(r"^(?:env\.)?(?:TAG_NAME|GIT_TAG)$")
_TRIGGER_CAUSES = {
    "timertrigger": "schedule", "timertriggercause": "schedule", "useridcause": "manual", "scmtrigger": "push",
    "scmtriggercause": "push", "branchindexingcause": "push", "branchevent": "push", "upstreamcause": "upstream",
    "remotecause": "api", "replaycause": "manual",
}


def parse(text: str, path: str, workspace: Workspace | None = None) -> Pipeline:
    """Parse one Jenkinsfile; an empty file raises ParseError, a broken one yields what
    could be read and its ``parse-error`` problems."""
    workspace = workspace or Workspace()
    if not text.strip():
        raise ParseError("Jenkinsfile is empty", Span(path, 1, 1))
    module = g.parse(text)
    reader = _Reader(text, path, workspace, module)
    return reader.read()


def is_pipeline(text: str) -> bool:
    """Whether Groovy source is a pipeline: ``pipeline {}``, or ``node``/``stage``/``parallel``
    run by the script body (not only written inside methods and classes nobody calls), also
    through the local methods it calls, or a shared-library step whose ``call`` runs a
    whole pipeline."""
    if not re.search(r"\b(?:pipeline|node|stage|parallel)\b", text):
        return False
    module = g.parse(text)
    methods = _methods(module.body)
    if _runs_pipeline(module.body, methods):
        return True
    return "call" in methods and _runs_pipeline(methods["call"].body, methods)


def _methods(body: list[g.Node]) -> dict[str, g.MethodDef]:
    found: dict[str, g.MethodDef] = {}
    for node in body:
        if isinstance(node, g.MethodDef):
            found.setdefault(node.name, node)
    return found


def _runs_pipeline(body: list[g.Node], methods: dict[str, g.MethodDef] | None = None) -> bool:
    """Whether ``body`` runs a pipeline, by itself or (with ``methods``) through the local
    methods it calls."""
    stack = list(body)
    followed: set[str] = set()
    seen = 0
    while stack and seen < 20000:
        node = stack.pop()
        seen += 1
        if isinstance(node, (g.MethodDef, g.ClassDef)):
            continue
        if isinstance(node, g.Call) and node.callee is None:
            if node.name == "pipeline" and node.closure is not None:
                return True
            if node.name in ("node", "stage", "parallel") and (node.closure is not None or node.args or node.named):
                return True
            if methods and node.name in methods and node.name not in followed and len(followed) < MAX_CALL_DEPTH * 4:
                followed.add(node.name)
                stack.extend(methods[node.name].body)
        stack.extend(g.child_nodes(node))
    return False


# --- reading conditions ----------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    """What a condition limits a stage to: git refs and trigger kinds (None: no limit)."""

    refs: frozenset[str] | None = None
    events: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()

    def both(self, other: _Limit) -> _Limit:
        return _Limit(
            intersect(self.refs, other.refs, patterns=True), intersect(self.events, other.events),
            self.exclude | other.exclude,
        )

    def either(self, other: _Limit) -> _Limit:
        refs = None if self.refs is None or other.refs is None else self.refs | other.refs
        events = None if self.events is None or other.events is None else self.events | other.events
        return _Limit(refs, events, self.exclude & other.exclude)


_ANY = _Limit()


def _heads(pattern: str) -> frozenset[str]:
    pattern = pattern.strip().removeprefix("origin/")
    if pattern.startswith("refs/"):
        return frozenset({pattern})
    return frozenset({"refs/heads/" + pattern.replace("**", "*")})


def _regex_alternatives(regex: str) -> list[str] | None:
    """Branch names a simple regex matches (``main``, ``(main|release-.*)``), as globs."""
    body = regex.strip().removeprefix("^").removesuffix("$")
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        body = body[1:-1].removeprefix("?:")
    found = []
    for part in body.split("|"):
        glob = part.replace(".*", "*").replace(".+", "*").replace("\\.", ".").replace("\\-", "-").replace("\\/", "/")
        glob = glob.removeprefix("origin/")
        if not glob or re.search(r"[\\()\[\]{}+?^$|]", glob):
            return None
        found.append(glob)
    return found


# --- the reader --------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """What enclosing code passes to the stages and steps inside it."""

    allow_failure: bool = False
    condition: Condition = field(default_factory=Condition)
    env: tuple[tuple[str, str, Span], ...] = ()
    image: str | None = None
    ephemeral: bool = False
    concurrency: str | None = None
    step_when: str = "on_success"
    group: str | None = None
    matrix: tuple[tuple[str, tuple[str, ...]], ...] = ()
    template: str | None = None
    depth: int = 0
    calls: tuple[str, ...] = ()

    def deeper(self) -> _Ctx:
        return replace(self, depth=self.depth + 1)

    def with_env(self, name: str, value: str, span: Span) -> _Ctx:
        return replace(self, env=self.env + ((name, value, span),))

    def with_condition(self, own: Condition) -> _Ctx:
        return replace(self, condition=_combine(own, self.condition))


def _combine(own: Condition, inherited: Condition) -> Condition:
    if not own.text and own.refs is None and own.events is None and not own.exclude_events:
        return inherited
    return own.also(inherited)


@dataclass
class _Draft:
    """A stage being read."""

    id: str
    name: str
    span: Span
    ctx: _Ctx
    steps: list[Step] = field(default_factory=list)
    produces: list[Artifact] = field(default_factory=list)
    consumes: list[Artifact] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    calls: str | None = None
    image: str | None = None
    when: str = "on_success"
    allow_failure: bool = False
    concurrency: str | None = None
    env: list[tuple[str, str, Span]] = field(default_factory=list)
    parent: _Draft | None = None
    # A declarative stage that only holds other stages (``stages``, ``parallel``,
    # ``matrix``): a node of the graph that does no work of its own.
    container: bool = False
    # The loops it was made in (see jenkins_loops).
    loops: tuple = ()


class _Reader(LoopReader):
    def __init__(self, text: str, path: str, workspace: Workspace, module: g.Module) -> None:
        self.text = text
        self.path = path
        self.workspace = workspace
        self.module = module
        self.lines = LineIndex(text)
        self.drafts: list[_Draft] = []
        self.edges: list[Edge] = []
        self.problems: list[Problem] = []
        self.references: list[Reference] = []
        self.triggers: list[Trigger] = []
        self.files: set[str] = {path}
        self.ids: set[str] = set()
        self.methods: dict[str, g.MethodDef] = {}
        self.expanded: set[int] = set()
        self.closures: dict[str, list[Stored]] = {}
        # How many times each closure was read (a loop reads the same one once per item).
        self.visited_closures: Counter[int] = Counter()
        # The bodies of the parallel branches being read: a branch that hands its own map of
        # branches to ``parallel`` again would run itself forever.
        self.expanding: set[int] = set()
        self.stages_exhausted = False
        # Names bound to what the file writes (variables, loop items, method parameters).
        self.scope: dict = {}
        # Variables holding a Docker Pipeline image, and the image named where it was made.
        self.images: dict[str, str] = {}
        # The stages the next stage follows, and the stage steps go to.
        self.prev: list[_Draft] = []
        self.current: _Draft | None = None
        self.loose: list[Step] = []
        self.loose_anchor: int | None = None
        self.top_span: Span = Span(path, 1, 1)
        self.parameters: list[Input] = []
        self.parameters_span: Span | None = None
        self.pipeline_concurrency: str | None = None
        self.index_triggers = True
        self.list_variables: dict[str, list[g.Node]] | None = None
        # The stage an old-style ``stage 'name'`` started, current until the next one.
        self.legacy: _Draft | None = None
        self.mentions_change_requests = bool(re.search(r"\bchangeRequest\b|\bCHANGE_ID\b", text))

    # --- positions and small helpers ----------------------------------------------

    def span(self, offset: int) -> Span:
        # An error at the end of the file points at its last character, not past it.
        offset = max(0, min(offset, len(self.text) - 1))
        if offset and self.text[offset] == "\n" and self.text[offset - 1] == "\r":
            offset -= 1
        line, column = self.lines.position(offset)
        return Span(self.path, line, column)

    def source(self, node: g.Node, limit: int = 300) -> str:
        snippet = " ".join(self.text[node.start:node.end].split())
        return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"

    def problem(self, offset: int, message: str) -> None:
        self.problems.append(Problem("parse-error", self.span(offset), message))

    def literal(self, node: g.Node | None) -> str:
        """A value as text: strings decoded (interpolations kept), concatenations joined,
        anything computed as its source."""
        if node is None:
            return ""
        if isinstance(node, g.Str):
            if node.interpolated and self.scope and any(
                not isinstance(p, str) and value_text(self.value(p)) is not None for p in node.parts
            ):
                return self.substituted(node)
            return node.value
        if isinstance(node, (g.Name, g.Index, g.Property)) and self.scope:
            known = value_text(self.value(node))
            if known is not None:
                return known
        if isinstance(node, (g.Number, g.Bool)):
            return str(node.value).lower() if isinstance(node, g.Bool) else str(node.value)
        if isinstance(node, g.Binary) and node.op == "+":
            return self.literal(node.left) + self.literal(node.right)
        if isinstance(node, g.Call) and node.name in ("trim", "toString") and node.callee is not None:
            return self.literal(node.callee)
        return self.text[node.start:node.end]

    def pattern(self, node: g.Node | None) -> str:
        """A name as a glob: computed parts become ``*`` (``'cov-' + n`` is ``cov-*``)."""
        if node is None:
            return "*"
        known = value_text(self.value(node)) if self.scope else None
        if known is not None:
            return known
        if isinstance(node, g.Str):
            parts = [p if isinstance(p, str) else "*" for p in node.parts] or [node.value]
            return "".join(parts) or "*"
        if isinstance(node, (g.Number,)):
            return str(node.value)
        if isinstance(node, g.Binary) and node.op == "+":
            return re.sub(r"\*+", "*", self.pattern(node.left) + self.pattern(node.right))
        return "*"

    def name_of(self, node: g.Node | None) -> str:
        """A stage name as written; a computed one shows what computes it (``${jdk}``)."""
        if node is None:
            return "stage"
        if isinstance(node, (g.Str, g.Binary)):
            return self.literal(node)
        known = value_text(self.value(node)) if self.scope else None
        return known if known is not None else "${" + self.text[node.start:node.end] + "}"

    def unique_id(self, name: str) -> str:
        base = name.strip() or "stage"
        candidate, n = base, 2
        while candidate in self.ids:
            candidate = f"{base} ({n})"
            n += 1
        self.ids.add(candidate)
        return candidate

    @staticmethod
    def arg(call: g.Call, key: str, index: int | None = 0) -> g.Node | None:
        for named in call.named:
            if named.key == key:
                return named.value
        if index is not None and len(call.args) > index and not isinstance(call.args[index], g.Closure):
            value = call.args[index]
            if isinstance(value, g.MapLit):
                for k, v in value.entries:
                    if isinstance(k, g.Str) and k.value == key:
                        return v
                return None
            return value
        return None

    def flag(self, call: g.Call, key: str) -> bool:
        value = self.arg(call, key, None)
        return isinstance(value, g.Bool) and value.value

    @staticmethod
    def body(call: g.Call) -> list[g.Node]:
        return call.closure.body if call.closure is not None else []

    # --- reading the file -----------------------------------------------------------

    def read(self) -> Pipeline:
        for error in self.module.errors:
            self.problem(error.offset, error.message)
        body = self.module.body
        self.methods = _methods(body)
        self.libraries(body)
        declarative = self.find_pipeline(body)
        entry = body
        if declarative is None and not _runs_pipeline(body, self.methods) and "call" in self.methods:
            # A shared-library step that runs a whole pipeline: its ``call`` is the script.
            call = self.methods["call"]
            self.expanded.add(id(call))
            declarative = self.find_pipeline(call.body)
            entry = call.body
        ctx = _Ctx()
        if declarative is not None:
            self.top_span = self.span(declarative.start)
            self.scripted(entry, ctx, skip=declarative)
            self.flush_loose(final=False)
            self.declarative(declarative, ctx)
        else:
            # A scripted pipeline is where its first statement that runs one (``node``,
            # ``stage`` …) is written, not the file's first line, which is often a comment.
            first = next((n for n in entry if _runs_pipeline([n], self.methods)), None)
            if first is not None:
                self.top_span = self.span(first.start)
            self.scripted(entry, ctx)
        if self.legacy is not None and self.current is self.legacy:
            self.close_stage(self.legacy)
        # Stages written in methods or closures the script never reaches as far as
        # cdlint can tell (called dynamically, or from another file) still exist; where
        # they run is unknown, so nothing is ordered before them.
        for method in self.methods.values():
            if id(method) not in self.expanded and _has_stage(method.body):
                self.expanded.add(id(method))
                self.flush_loose(final=False)
                self.prev = []
                self.scripted(method.body, ctx)
        for _, items in sorted(self.closures.items()):
            for stored in items:
                if id(stored.closure) not in self.visited_closures and _has_stage(stored.closure.body):
                    self.visited_closures[id(stored.closure)] += 1
                    self.flush_loose(final=False)
                    self.prev = []
                    with self.bound(stored.scope):
                        self.scripted(stored.closure.body, ctx)
        self.flush_loose(final=True)
        return self.finish()

    def find_pipeline(self, body: list[g.Node]) -> g.Call | None:
        for node in body:
            if isinstance(node, g.Call) and node.callee is None and node.name == "pipeline" and node.closure is not None:
                return node
        return None

    def libraries(self, body: list[g.Node]) -> None:
        for node in body:
            annotations = [node] if isinstance(node, g.Annotation) else list(getattr(node, "annotations", []) or [])
            for annotation in annotations:
                if isinstance(annotation, g.Annotation) and annotation.name in ("Library", "Grab"):
                    values = list(annotation.args) + [n.value for n in annotation.named if n.key == "value"]
                    # Each library at its own name: findings are one per rule and
                    # position, so libraries sharing the annotation's would show as one.
                    items = [i for v in values for i in (v.items if isinstance(v, g.ListLit) else [v])]
                    for item in items:
                        for target in re.findall(r"[^\s,\[\]'\"]+", self.literal(item)):
                            self.reference(target, item.start, annotation.name)

    def reference(self, target: str, offset: int, how: str = "Library") -> None:
        kind = "library" if how in ("Library", "library") else "dependency"
        reason = (
            "shared library is not read; its steps are classified by their names"
            if kind == "library" else "Groovy dependency is not read"
        )
        self.references.append(Reference(kind, target, self.span(offset), reason))

    # --- declarative ------------------------------------------------------------------

    def declarative(self, pipeline: g.Call, ctx: _Ctx) -> None:
        sections = self.body(pipeline)
        ctx = self.sections(sections, ctx, top=True)
        for node in sections:
            if isinstance(node, g.Call) and node.callee is None and node.name == "stages":
                self.stages_block(node, ctx)
        for node in sections:
            if isinstance(node, g.Call) and node.callee is None and node.name == "post":
                self.pipeline_post(node, ctx)
        for node in sections:
            if isinstance(node, g.Call) and node.callee is None and node.name == "libraries":
                for call in _calls(self.body(node), "lib"):
                    self.reference(self.literal(call.args[0]) if call.args else "?", call.start)

    def sections(self, sections: list[g.Node], ctx: _Ctx, top: bool = False) -> _Ctx:
        """Read agent, environment, options, triggers, parameters of a pipeline or stage."""
        for node in sections:
            if not isinstance(node, g.Call) or node.callee is not None:
                continue
            if node.name == "agent":
                ctx = self.agent(node, ctx)
            elif node.name == "environment":
                ctx = self.environment_block(node, ctx)
            elif node.name == "options":
                ctx = self.options(self.body(node) + node.args, ctx, top)
            elif node.name == "triggers" and top:
                self.pipeline_triggers(self.body(node))
            elif node.name == "parameters" and top:
                self.read_parameters(self.body(node), node.start)
        return ctx

    def agent(self, node: g.Call, ctx: _Ctx) -> _Ctx:
        for inner in g.iter_nodes(node):
            if isinstance(inner, g.Call) and inner.callee is None:
                if inner.name in ("docker", "dockerfile"):
                    image = self.arg(inner, "image")
                    if image is None and inner.closure is not None:
                        image = next((self.arg(c, "image") for c in _calls(inner.closure.body, "image")), None)
                    name = self.literal(image) if image is not None else ("Dockerfile" if inner.name == "dockerfile" else "docker")
                    return replace(ctx, image=name, ephemeral=True)
                if inner.name == "kubernetes":
                    image = None
                    for call in g.iter_nodes(inner):
                        if isinstance(call, g.Str) and re.search(r"image:\s*\S+", call.value):
                            image = re.search(r"image:\s*['\"]?([^\s'\"]+)", call.value)[1]
                            break
                    return replace(ctx, image=image or "kubernetes pod", ephemeral=True)
        return ctx

    def environment_block(self, node: g.Call, ctx: _Ctx) -> _Ctx:
        for item in self.body(node):
            if isinstance(item, g.Assign) and isinstance(item.target, g.Name):
                ctx = ctx.with_env(item.target.id, self.literal(item.value), self.span(item.start))
        return ctx

    def options(self, items: list[g.Node], ctx: _Ctx, top: bool) -> _Ctx:
        for item in items:
            if not isinstance(item, g.Call) or item.callee is not None:
                continue
            if item.name == "disableConcurrentBuilds":
                ctx = replace(ctx, concurrency="disableConcurrentBuilds")
            elif item.name == "lock":
                resource = self.arg(item, "resource") or self.arg(item, "label")
                ctx = replace(ctx, concurrency=self.literal(resource) if resource is not None else "lock")
            elif item.name == "pipelineTriggers":
                self.pipeline_triggers(_list_items(item.args))
            elif item.name == "parameters":
                self.read_parameters(_list_items(item.args), item.start)
            elif item.name == "overrideIndexTriggers" and top:
                self.override_index_triggers(item)
        return ctx

    def stages_block(self, node: g.Call, ctx: _Ctx) -> None:
        for item in self.body(node):
            if isinstance(item, g.Call) and item.callee is None and item.name == "stage":
                self.declarative_stage(item, ctx)

    def declarative_stage(self, node: g.Call, ctx: _Ctx) -> None:
        if ctx.depth > MAX_DEPTH:
            self.problem(node.start, "stages nested too deeply to analyse")
            return
        ctx = ctx.deeper()
        name = self.name_of(node.args[0]) if node.args and not isinstance(node.args[0], g.Closure) else "stage"
        sections = self.body(node)
        ctx = self.sections(sections, ctx)
        for section in sections:
            if isinstance(section, g.Call) and section.callee is None and section.name == "when":
                ctx = ctx.with_condition(self.when_block(section))
        gate = next((s for s in sections if isinstance(s, g.Call) and s.callee is None and s.name == "input"), None)
        inner = {s.name: s for s in sections if isinstance(s, g.Call) and s.callee is None and s.name in ("stages", "parallel", "matrix")}
        draft = self.open_stage(name, node.start, ctx)
        draft.container = bool(inner)
        if gate is not None:
            # ``input`` holds the stage (and the stages inside it) until a person answers.
            draft.steps.append(self.input_step(gate))
            draft.when = "manual"
        if inner:
            child = replace(ctx, group=name)
            if "stages" in inner:
                self.stages_block(inner["stages"], child)
            elif "parallel" in inner:
                branches = [[s] for s in self.body(inner["parallel"]) if isinstance(s, g.Call) and s.name == "stage"]
                self.fan_out(branches, lambda nodes, c: [self.declarative_stage(n, c) for n in nodes], child)
            else:
                self.matrix(inner["matrix"], name, child)
        for section in sections:
            if isinstance(section, g.Call) and section.callee is None and section.name == "steps":
                self.statements(self.body(section), ctx)
        for section in sections:
            if isinstance(section, g.Call) and section.callee is None and section.name == "post":
                for block in self.body(section):
                    if isinstance(block, g.Call) and block.callee is None and block.name in _POST_WHEN:
                        self.statements(self.body(block), replace(ctx, step_when=_POST_WHEN[block.name]))
        self.close_stage(draft)

    def matrix(self, node: g.Call, name: str, ctx: _Ctx) -> None:
        axes: list[tuple[str, tuple[str, ...]]] = []
        for axis in (c for c in g.iter_nodes(node) if isinstance(c, g.Call) and c.name == "axis"):
            axis_name = next((self.literal(c.args[0]) for c in _calls(self.body(axis), "name") if c.args), "")
            values = tuple(self.literal(v) for c in _calls(self.body(axis), "values") for v in c.args)
            if axis_name:
                axes.append((axis_name, values))
        sections = self.body(node)
        ctx = self.sections(sections, replace(ctx, matrix=tuple(axes), template=f"{self.path}#matrix:{name}"))
        for section in sections:
            if isinstance(section, g.Call) and section.name == "when":
                ctx = ctx.with_condition(self.when_block(section))
        for section in sections:
            if isinstance(section, g.Call) and section.name == "stages":
                self.stages_block(section, ctx)

    def pipeline_post(self, node: g.Call, ctx: _Ctx) -> None:
        """Pipeline ``post`` blocks run after every stage; those that deploy, build, test or
        roll back are stages of their own. Test reports they publish belong to the test stages."""
        exits = list(self.prev)
        reporters: list[Step] = []
        for block in self.body(node):
            if not (isinstance(block, g.Call) and block.callee is None and block.name in _POST_WHEN):
                continue
            when = _POST_WHEN[block.name]
            probe = _Draft("", "", self.span(block.start), ctx)
            saved = (self.current, self.prev, self.drafts, self.loose)
            self.current, self.prev, self.drafts, self.loose = probe, [], [], []
            self.statements(self.body(block), replace(ctx, step_when=when))
            nested = self.drafts
            self.current, self.prev, self.drafts, self.loose = saved
            # A rollback (``failure { sh 'helm rollback shop' }``) is work too: the way back.
            tags = [self.tags_of(s) for s in probe.steps]
            work = [s for s, t in zip(probe.steps, tags) if kinds(t) or any(x.startswith("rollback") for x in t)]
            if not work and not nested and not probe.calls:
                reporters.extend(s for s, t in zip(probe.steps, tags) if any(x.startswith("report:") for x in t))
                continue
            draft = self.open_stage(f"post: {block.name}", block.start, ctx, after=exits, when=when)
            draft.steps.extend(probe.steps)
            draft.produces.extend(probe.produces)
            draft.consumes.extend(probe.consumes)
            draft.services.extend(probe.services)
            draft.facts |= probe.facts
            draft.calls = probe.calls
            draft.concurrency = probe.concurrency
            self.close_stage(draft)
            self.prev = exits
        if reporters:
            testers = [d for d in self.drafts if any(t.startswith("test") for s in d.steps for t in self.tags_of(s))]
            for draft in testers or exits[-1:]:
                draft.steps.extend(reporters)

    # --- declarative conditions -----------------------------------------------------

    def when_block(self, node: g.Call) -> Condition:
        limit = _ANY
        for item in self.body(node):
            limit = limit.both(self.when_condition(item))
        return Condition(
            text=self.source(node),
            span=self.span(node.start),
            refs=None if limit.refs is None else tuple(sorted(limit.refs)),
            events=None if limit.events is None else tuple(sorted(limit.events)),
            exclude_events=tuple(sorted(limit.exclude)),
        )

    def when_condition(self, node: g.Node) -> _Limit:
        if not isinstance(node, g.Call) or node.callee is not None:
            return _ANY
        name = node.name
        first = node.args[0] if node.args and not isinstance(node.args[0], g.Closure) else None
        if name == "branch":
            value = self.arg(node, "pattern")
            value = value if value is not None else first
            comparator = self.literal(self.arg(node, "comparator", None)).upper()
            if not isinstance(value, g.Str) or value.interpolated:
                return _ANY
            if comparator == "REGEXP":
                globs = _regex_alternatives(value.value)
                return _Limit(refs=frozenset().union(*(_heads(p) for p in globs))) if globs else _ANY
            return _Limit(refs=_heads(value.value))
        if name == "tag":
            value = self.arg(node, "pattern")
            value = value if value is not None else first
            if isinstance(value, g.Str) and not value.interpolated and self.literal(self.arg(node, "comparator", None)).upper() != "REGEXP":
                return _Limit(refs=frozenset({"refs/tags/" + (value.value or "*")}))
            return _Limit(refs=frozenset({"refs/tags/*"}))
        if name == "buildingTag":
            return _Limit(refs=frozenset({"refs/tags/*"}))
        if name == "changeRequest":
            return _Limit(refs=frozenset({"refs/pull/*"}))
        if name == "environment":
            var = self.literal(self.arg(node, "name", None))
            value = self.arg(node, "value", None)
            if _BRANCH_VARS.match(var) and isinstance(value, g.Str):
                return _Limit(refs=_heads(value.value))
            return _ANY
        if name == "expression":
            limit = _ANY
            for statement in self.body(node):
                if isinstance(statement, g.Return) and statement.value is not None:
                    statement = statement.value
                limit = limit.both(self.expression_limit(statement))
            return limit
        if name == "triggeredBy":
            cause = self.literal(self.arg(node, "cause") if self.arg(node, "cause") is not None else first).lower()
            kind = _TRIGGER_CAUSES.get(cause.rpartition(".")[2])
            return _Limit(events=frozenset({kind})) if kind else _ANY
        if name == "allOf":
            limit = _ANY
            for item in self.body(node):
                limit = limit.both(self.when_condition(item))
            return limit
        if name == "anyOf":
            items = [self.when_condition(i) for i in self.body(node)]
            if not items:
                return _ANY
            limit = items[0]
            for item in items[1:]:
                limit = limit.either(item)
            return limit
        if name == "not":
            inner = [self.when_condition(i) for i in self.body(node)]
            if len(inner) == 1 and inner[0].refs == frozenset({"refs/pull/*"}):
                return _Limit(exclude=frozenset({"pull_request"}))
            if len(inner) == 1 and inner[0].events is not None and inner[0].refs is None:
                return _Limit(exclude=inner[0].events)
            return _ANY
        return _ANY

    def expression_limit(self, node: g.Node) -> _Limit:
        """Branch limits of a Groovy boolean (``env.BRANCH_NAME == 'main' && …``)."""
        if isinstance(node, g.Binary):
            if node.op == "&&":
                return self.expression_limit(node.left).both(self.expression_limit(node.right))
            if node.op == "||":
                return self.expression_limit(node.left).either(self.expression_limit(node.right))
            left, right = node.left, node.right
            if isinstance(left, g.Str) and not isinstance(right, g.Str):
                left, right = right, left
            subject = self.text[left.start:left.end].replace(" ", "")
            if node.op in ("==", "===", "==~", "=~") and isinstance(right, g.Str) and not right.interpolated:
                if _BRANCH_VARS.match(subject):
                    if node.op in ("==~", "=~"):
                        globs = _regex_alternatives(right.value)
                        return _Limit(refs=frozenset().union(*(_heads(p) for p in globs))) if globs else _ANY
                    return _Limit(refs=_heads(right.value))
                if _TAG_VARS.match(subject):
                    return _Limit(refs=frozenset({"refs/tags/" + right.value}))
            if node.op == "!=" and _TAG_VARS.match(subject) and isinstance(right, g.Null):
                return _Limit(refs=frozenset({"refs/tags/*"}))
            return _ANY
        if isinstance(node, g.Call) and node.callee is not None and node.name in ("startsWith", "equals", "matches"):
            subject = self.text[node.callee.start:node.callee.end].replace(" ", "")
            arg = node.args[0] if node.args else None
            if _BRANCH_VARS.match(subject) and isinstance(arg, g.Str) and not arg.interpolated:
                if node.name == "startsWith":
                    return _Limit(refs=_heads(arg.value + "*"))
                if node.name == "equals":
                    return _Limit(refs=_heads(arg.value))
                globs = _regex_alternatives(arg.value)
                return _Limit(refs=frozenset().union(*(_heads(p) for p in globs))) if globs else _ANY
        if isinstance(node, (g.Name, g.Property)):
            subject = self.text[node.start:node.end].replace(" ", "")
            if _TAG_VARS.match(subject):
                return _Limit(refs=frozenset({"refs/tags/*"}))
            if re.fullmatch(r"(?:env\.)?CHANGE_ID", subject):
                return _Limit(refs=frozenset({"refs/pull/*"}))
        return _ANY

    def if_condition(self, node: g.If, negate: bool = False) -> Condition:
        text = self.source(node.cond)
        if negate:
            return Condition(f"!({text})", self.span(node.cond.start))
        limit = self.expression_limit(node.cond)
        return Condition(
            text=text,
            span=self.span(node.cond.start),
            refs=None if limit.refs is None else tuple(sorted(limit.refs)),
            events=None if limit.events is None else tuple(sorted(limit.events)),
            exclude_events=tuple(sorted(limit.exclude)),
        )

    # --- triggers and parameters ------------------------------------------------------

    def pipeline_triggers(self, items: list[g.Node]) -> None:
        for item in items:
            if not isinstance(item, g.Call) or item.callee is not None:
                continue
            span = self.span(item.start)
            if item.name in ("cron", "parameterizedCron"):
                self.triggers.append(Trigger("schedule", span, "cron"))
            elif item.name == "pollSCM":
                self.triggers.append(Trigger("push", span, "pollSCM"))
            elif item.name in ("githubPush", "gitlab", "bitbucketPush", "GenericTrigger"):
                self.triggers.append(Trigger("push", span, item.name))
            elif item.name == "upstream":
                projects = self.literal(self.arg(item, "upstreamProjects"))
                value = self.arg(item, "threshold", 1)
                threshold = self.text[value.start:value.end] if value is not None else ""
                on_success = not threshold or "SUCCESS" in threshold
                for project in (p.strip() for p in projects.split(",")):
                    if project:
                        self.triggers.append(
                            Trigger("upstream", span, "upstream", source=project.rpartition("/")[2],
                                    types=(threshold.rpartition(".")[2] or "SUCCESS",), on_success_only=on_success)
                        )

    def override_index_triggers(self, item: g.Call) -> None:
        """``overrideIndexTriggers(false)``: the multibranch job no longer builds the
        changes its branch indexing and SCM events (webhooks) find; the first run, which
        sets the property, is the last one they start."""
        value = self.arg(item, "enableTriggers")
        if isinstance(value, g.Bool):
            self.index_triggers = value.value

    def read_parameters(self, items: list[g.Node], offset: int) -> None:
        self.parameters_span = self.parameters_span or self.span(offset)
        for item in items:
            if not isinstance(item, g.Call) or item.callee is not None:
                continue
            name = self.literal(self.arg(item, "name", None))
            if not name:
                continue
            default = self.arg(item, "defaultValue", None)
            if item.name == "choice":
                choices = self.arg(item, "choices", None)
                values = tuple(self.literal(v) for v in choices.items) if isinstance(choices, g.ListLit) else tuple(
                    v for v in self.literal(choices).split("\n") if v
                )
                self.parameters.append(Input(name, self.span(item.start), "choice", values))
            elif item.name == "booleanParam":
                self.parameters.append(Input(name, self.span(item.start), "boolean", default=self.literal(default) or None))
            else:
                self.parameters.append(Input(name, self.span(item.start), "string", default=self.literal(default) if default is not None else None))

    # --- scripted ---------------------------------------------------------------------

    def scripted(self, body: list[g.Node], ctx: _Ctx, skip: g.Node | None = None) -> None:
        self.statements([n for n in body if n is not skip], ctx)

    def statements(self, body: list[g.Node], ctx: _Ctx) -> None:
        if ctx.depth > MAX_DEPTH:
            if body:
                self.problem(body[0].start, "code nested too deeply to analyse")
            return
        if len(self.drafts) >= MAX_READ_STAGES:
            if body and not self.stages_exhausted:
                self.stages_exhausted = True
                self.problem(body[0].start, f"the pipeline makes more than {MAX_READ_STAGES} stages; the rest is not read")
            return
        ctx = ctx.deeper()
        for index, node in enumerate(body):
            if isinstance(node, g.Call) and node.callee is None and node.name == "stage" and node.closure is None and node.args:
                # ``stage 'Build'`` without a block (old scripted syntax) starts a stage that
                # lasts until the next one starts, in time rather than in the text: one
                # opened in a helper method still holds the steps its caller runs next.
                if self.legacy is not None and self.current is self.legacy:
                    self.close_stage(self.legacy)
                self.legacy = self.open_stage(self.name_of(node.args[0]), node.start, ctx)
                continue
            self.statement(node, ctx, body, index)

    def statement(self, node: g.Node, ctx: _Ctx, body: list[g.Node], index: int) -> None:
        if isinstance(node, (g.MethodDef, g.ClassDef, g.Import, g.Package, g.ErrorNode)):
            return
        if isinstance(node, g.Annotation):
            return
        if isinstance(node, g.If):
            self.if_statement(node, ctx)
            return
        if isinstance(node, g.Try):
            self.try_statement(node, ctx, body[index + 1:])
            return
        if isinstance(node, (g.VarDecl, g.Assign)):
            self.assignment(node, ctx, body, index)
            return
        if isinstance(node, g.Call):
            self.call(node, ctx, body, index)
            return
        if isinstance(node, g.For):
            self.for_loop(node, ctx)
            return
        if isinstance(node, g.While):
            self.statements(node.body, ctx)
            return
        if isinstance(node, g.Switch):
            for case in node.cases:
                self.statements(case.body, ctx)
            return
        if isinstance(node, g.Closure):
            self.statements(node.body, ctx)
            return
        self.expression(node, ctx)

    def expression(self, node: g.Node, ctx: _Ctx, status_checked: bool = False) -> None:
        """Steps called inside an expression (``def v = sh(…).trim()``, ``if (sh(…) != 0)``)."""
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, g.Call) and self.is_step(item):
                self.call(item, ctx, [], 0, status_checked=status_checked)
                continue
            if isinstance(item, g.Closure):
                continue
            stack.extend(reversed(list(g.child_nodes(item))))

    def is_step(self, node: g.Call) -> bool:
        """Whether a call inside an expression does work cdlint follows: a script, a step
        it knows, a local method, a block. A value built for an argument
        (``buildDiscarder(logRotator(…))``) is not a step of its own."""
        if node.callee is not None or node.closure is not None:
            return True
        return node.name in _SCRIPT_STEPS or node.name in self.methods or node.name in self.closures or (
            node.name.lower() in self.workspace.classifier.signals.steps
            or node.name in ("stage", "parallel", "input", "build", "library", "load")
        )

    def assignment(self, node: g.VarDecl | g.Assign, ctx: _Ctx, body: list[g.Node], index: int) -> None:
        self.bind(node)
        value = node.value
        if value is None:
            return
        names = node.names if isinstance(node, g.VarDecl) else [self.text[node.target.start:node.target.end].replace(" ", "")]
        target = names[0] if names else ""
        # Closures kept for later (``branches['x'] = { … }``, ``def steps = [a: { … }]``).
        base = re.sub(r"\[.*\]$", "", target)
        if isinstance(value, g.Closure):
            self.closures.setdefault(base, []).append(self.stored(self.key_label(node, target, base) or target, value))
            return
        if isinstance(value, g.MapLit) and any(isinstance(v, g.Closure) for _, v in value.entries):
            self.closures[base] = [self.stored(self.literal(k), v) for k, v in value.entries if isinstance(v, g.Closure)]
            return
        returned = self.returned_closures(value)
        if returned:
            label = self.key_label(node, target, base)
            self.closures.setdefault(base, []).extend(Stored(label or s.label, s.closure, s.scope) for s in returned)
            return
        if isinstance(node, g.Assign) and isinstance(node.target, g.Property) and self.text[node.target.obj.start:node.target.obj.end] == "env":
            ctx_value = self.literal(value)
            if self.current is not None:
                self.current.env.append((node.target.name, ctx_value, self.span(node.start)))
        if isinstance(value, g.Call) and value.name in ("build", "image") and self.text[value.start:value.start + 7] == "docker.":
            self.images[target] = self.image_named(value)
        checked = target and self.status_checked(target, body, index)
        self.expression(value, ctx, status_checked=bool(checked))

    def key_label(self, node: g.VarDecl | g.Assign, target: str, base: str) -> str:
        """The key a closure is stored under: ``branches['linux'] = …`` → ``linux``, and a
        key computed from names the file binds (``branches[os]`` in a loop over literals)."""
        if isinstance(node, g.Assign) and isinstance(node.target, g.Index):
            index = node.target.index
            known = value_text(self.value(index))
            if known is not None:
                return known
            if isinstance(index, g.Binary) and index.op == "+":
                # "node_" + nodeName: the computed parts as ${…}
                return "".join(self.literal(part) if isinstance(part, g.Str) else "${" + self.text[part.start:part.end] + "}"
                               for part in (index.left, index.right))
        index = target[len(base):].strip("[]")
        return index.strip("'\"") if index[:1] in ("'", '"') else (f"${{{index}}}" if index else "")

    def returned_closures(self, value: g.Node) -> list[Stored]:
        """Closures a local method returns (``branches[x] = makeBranch(x)``), and those
        ``list.collectEntries { [(key): …] }`` makes, one per item of a literal list."""
        if isinstance(value, g.Call) and value.callee is None and value.name in self.methods:
            found = self.method_closures(value)
            if found:
                self.expanded.add(id(self.methods[value.name]))
            return found
        if isinstance(value, g.Call) and value.name in ("collectEntries", "collect") and value.closure is not None:
            return self.collected(value)
        return []

    def status_checked(self, name: str, body: list[g.Node], index: int) -> bool:
        """Whether a later statement fails the build on the value of ``name``
        (``if (rc != 0) { error 'tests failed' }``)."""
        word = re.compile(rf"\b{re.escape(name)}\b")
        for later in body[index + 1:]:
            for node in [later, *g.iter_nodes(later)]:
                if (
                    isinstance(node, g.If)
                    and word.search(self.text[node.cond.start:node.cond.end])
                    and (_fails(node.then) or _fails(node.orelse))
                ):
                    return True
        return False

    def if_statement(self, node: g.If, ctx: _Ctx) -> None:
        self.expression(node.cond, ctx, status_checked=_fails(node.then) or _fails(node.orelse))
        before = list(self.prev)
        self.statements(node.then, ctx.with_condition(self.if_condition(node)))
        if node.orelse:
            # The two branches exclude each other: the stages of the else branch follow what
            # came before the if, not the stages of the then branch.
            after_then = list(self.prev)
            self.prev = before
            self.statements(node.orelse, ctx.with_condition(self.if_condition(node, negate=True)))
            self.prev = list({id(d): d for d in after_then + self.prev}.values())

    def try_statement(self, node: g.Try, ctx: _Ctx, later: list[g.Node]) -> None:
        # A catch that does not rethrow lets what follows the try run after a failure: the
        # rest of the stage it is in, or the statements after it. A try around a whole
        # pipeline that only reports the failure lets nothing else run.
        swallowed = bool(node.catches) and not all(_fails(c.body) for c in node.catches)
        swallowed = swallowed and (
            self.current is not None or any(_does_work(n) for n in later if not isinstance(n, (g.MethodDef, g.ClassDef)))
        )
        self.statements(node.body, replace(ctx, allow_failure=ctx.allow_failure or swallowed))
        for catch in node.catches:
            self.statements(catch.body, replace(ctx, step_when="on_failure"))
        if node.final:
            self.statements(node.final, replace(ctx, step_when="always"))

    # --- calls ---------------------------------------------------------------------

    def call(self, node: g.Call, ctx: _Ctx, body: list[g.Node], index: int, status_checked: bool = False) -> None:
        if ctx.depth > MAX_DEPTH:
            return
        name = node.name
        if node.callee is not None:
            self.method_call(node, ctx)
            return
        if name == "stage" and (node.closure is not None or node.args):
            self.scripted_stage(node, ctx)
            return
        if name == "pipeline" and node.closure is not None:
            self.declarative(node, ctx)
            return
        if name == "parallel":
            self.parallel(node, ctx)
            return
        if name in ("properties",):
            for item in self.property_items(node.args):
                if isinstance(item, g.Call):
                    if item.name == "pipelineTriggers":
                        self.pipeline_triggers(_list_items(item.args))
                    elif item.name == "parameters":
                        self.read_parameters(_list_items(item.args), item.start)
                    elif item.name == "disableConcurrentBuilds":
                        self.pipeline_concurrency = "disableConcurrentBuilds"
                    elif item.name == "overrideIndexTriggers" and not ctx.condition.text:
                        # Set for some branches only (inside an ``if``), it leaves the others building.
                        self.override_index_triggers(item)
            return
        if name == "library":
            target = self.arg(node, "identifier")
            target = target if target is not None else (node.args[0] if node.args else None)
            self.reference(self.literal(target) if target is not None else "?", node.start, "library")
            return
        if name == "load" and name not in self.methods:
            # ``load`` evaluates a Groovy file of the workspace at run time; what it runs
            # is not read, though the call stays a step of the stage it is in.
            path = self.arg(node, "path")
            target = self.literal(path) if path is not None else "?"
            reason = "Groovy file loaded at run time; the stages and steps it runs are not analysed"
            self.references.append(Reference("script", target, self.span(node.start), reason))
        if name in _NOISE:
            return
        if name in self.methods and len(ctx.calls) < MAX_CALL_DEPTH and name not in ctx.calls:
            self.expand(self.methods[name], node, ctx)
            return
        if name in self.closures and not node.args and node.closure is None:
            for stored in self.closures[name]:
                self.visited_closures[id(stored.closure)] += 1
                with self.bound(stored.scope):
                    self.statements(stored.closure.body, ctx)
            return
        if node.closure is not None:
            self.wrapper(node, ctx)
            return
        self.step(node, ctx, status_checked)

    def expand(self, method: g.MethodDef, node: g.Call, ctx: _Ctx) -> None:
        """A local method's body read where it is called, its closure arguments bound to
        its parameters (``def withNode(label, body) { node(label) { body() } }``)."""
        self.expanded.add(id(method))
        self.expression_args(node, ctx)
        values = [a for a in node.args] + ([node.closure] if node.closure is not None else [])
        bound: dict[str, list[Stored] | None] = {}
        reads = {id(v): self.visited_closures[id(v)] for v in values if isinstance(v, g.Closure)}
        for param, value in zip(method.params, values):
            if isinstance(value, g.Closure):
                bound[param.name] = self.closures.get(param.name)
                self.closures[param.name] = [self.stored(param.name, value)]
        with self.bound(self.arguments_of(method, node)):
            self.statements(method.body, replace(ctx, calls=ctx.calls + (method.name,)))
        for param, previous in bound.items():
            if previous is None:
                self.closures.pop(param, None)
            else:
                self.closures[param] = previous
        for value in values:
            # A block the method did not run as far as cdlint can tell (``body.call()``) runs there.
            if isinstance(value, g.Closure) and self.visited_closures[id(value)] == reads[id(value)]:
                self.visited_closures[id(value)] += 1
                self.statements(value.body, ctx)

    def expression_args(self, node: g.Call, ctx: _Ctx) -> None:
        for arg in node.args:
            if not isinstance(arg, g.Closure):
                self.expression(arg, ctx)
        for named in node.named:
            self.expression(named.value, ctx)

    def method_call(self, node: g.Call, ctx: _Ctx) -> None:
        """``docker.image('x').inside { }``, ``image.push()``, ``sh(…).trim()`` and the like."""
        chain = self.text[node.start:node.end].split("(", 1)[0].replace(" ", "")
        callee_text = self.text[node.callee.start:node.callee.end].replace(" ", "")
        if node.name == "put" and len(node.args) == 2 and isinstance(node.args[1], g.Closure):
            self.closures.setdefault(callee_text, []).append(self.stored(self.literal(node.args[0]), node.args[1]))
            return
        if node.closure is not None and node.name in ITERATING and not node.args:
            self.iterate(node, ctx)
            return
        if node.closure is not None:
            inner = ctx
            if node.name == "inside" and "docker.image" in callee_text:
                image = self.literal(_first_arg(node.callee)) if isinstance(node.callee, g.Call) else None
                inner = replace(ctx, image=image or ctx.image, ephemeral=True)
                if self.current is not None:
                    self.current.image = image or self.current.image
                    self.current.facts.add("agent:ephemeral")
            elif node.name == "withRun" and "docker.image" in callee_text:
                image = self.literal(_first_arg(node.callee)) if isinstance(node.callee, g.Call) else "container"
                if self.current is not None:
                    self.current.services.append(image)
            self.expression(node.callee, ctx)
            self.expression_args(node, ctx)
            self.visited_closures[id(node.closure)] += 1
            self.statements(node.closure.body, inner)
            return
        if (chain.startswith("docker.build") and node.name != "push") or (node.name == "build" and callee_text == "docker"):
            self.add_step(
                make_step(self.span(node.start), uses="docker.build", inputs=self.inputs(node),
                          allow_failure=ctx.allow_failure, when=ctx.step_when),
                node.start,
            )
            return
        if node.name == "push" and (callee_text in self.images or "docker.image" in callee_text or "docker.build" in callee_text):
            if isinstance(node.callee, g.Call):
                # ``docker.build('app').push()``: the build, then the push.
                self.expression(node.callee, ctx)
                image = self.image_named(node.callee)
            else:
                image = self.images.get(callee_text, "")
            self.add_step(
                make_step(self.span(node.start), uses="docker.push", inputs=self.push_inputs(image, node),
                          allow_failure=ctx.allow_failure, when=ctx.step_when),
                node.start,
            )
            return
        self.expression(node.callee, ctx)
        self.expression_args(node, ctx)

    def image_named(self, call: g.Call) -> str:
        """The image ``docker.build``/``docker.image`` names, when the file writes it
        (``"shop/api:${env.BUILD_NUMBER}"``); a variable's value is unknown."""
        first = _first_arg(call)
        return self.literal(first) if isinstance(first, (g.Str, g.Binary)) else ""

    def push_inputs(self, image: str, node: g.Call) -> list[tuple[str, str]]:
        """What ``image.push()`` publishes: the image's name, and the tag given to ``push``
        or else the one the image was made with (Docker's ``latest`` when none)."""
        name, _, tag = image.rpartition(":")
        if not name or "/" in tag:
            name, tag = image, ""
        given = _first_arg(node)
        if given is not None:
            tag = self.literal(given)
        return [("image", name), ("tags", tag or "latest")] if name else self.inputs(node)

    def wrapper(self, node: g.Call, ctx: _Ctx) -> None:
        """A step that runs a block: ``timeout``, ``withCredentials``, ``dir``, ``node``,
        ``catchError``, ``lock``, ``withEnv`` … and unknown ones (shared-library
        wrappers), which are steps of their own as well."""
        name = node.name
        inner = ctx
        if name in ("catchError", "warnError"):
            inner = replace(ctx, allow_failure=True)
        elif name == "lock":
            resource = self.arg(node, "resource")
            resource = resource if resource is not None else self.arg(node, "label")
            inner = replace(ctx, concurrency=self.literal(resource) if resource is not None else "lock")
            if self.current is not None:
                self.current.concurrency = inner.concurrency
        elif name == "withEnv":
            for item in _list_items(node.args):
                key, _, value = self.literal(item).partition("=")
                inner = inner.with_env(key.strip(), value, self.span(item.start))
                if self.current is not None:
                    self.current.env.append((key.strip(), value, self.span(item.start)))
        elif name in ("podTemplate", "dockerNode", "kubernetes"):
            inner = replace(ctx, ephemeral=True, image=ctx.image or "kubernetes pod")
        if name in _PLAIN_BLOCKS:
            self.expression_args(node, ctx)
        else:
            self.step(node, ctx, False)
        self.visited_closures[id(node.closure)] += 1
        self.statements(node.closure.body, inner)

    def parallel(self, node: g.Call, ctx: _Ctx) -> None:
        branches: list[tuple[str, list[g.Node], int]] = []
        for named in node.named:
            if named.key != "failFast":
                branches.extend(self.branches(named.key, named.value, named.start))
        for arg in node.args:
            if isinstance(arg, g.MapLit):
                for key, value in arg.entries:
                    if self.literal(key) != "failFast":
                        branches.extend(self.branches(self.literal(key), value, key.start))
            else:
                branches.extend(self.branches("", arg, arg.start))
        if node.closure is not None and not node.named and not node.args:
            # Declarative ``parallel { stage(…) {…} }`` inside steps.
            branches.extend(("", [s], s.start, None) for s in node.closure.body)
        branches = [b for b in branches if b[1]]
        if branches:
            self.fan_out(branches, self.branch, ctx)

    def branch(self, branch: tuple[str, list[g.Node], int, dict | None], ctx: _Ctx) -> None:
        """One parallel branch, with the names bound where its closure was written. Outside
        any stage, a branch that holds no stage of its own is one (Jenkins shows each
        branch as a stage)."""
        label, body, offset, scope = branch
        if id(body) in self.expanding:
            if body:
                self.problem(body[0].start, "a parallel branch runs itself; it is read once")
            return
        self.expanding.add(id(body))
        try:
            self._branch(label, body, offset, scope, ctx)
        finally:
            self.expanding.discard(id(body))

    def _branch(self, label: str, body: list[g.Node], offset: int, scope: dict | None, ctx: _Ctx) -> None:
        with self.bound(scope or {}):
            if self.current is None and label and not _has_stage(body):
                draft = self.open_stage(label, offset, ctx)
                self.statements(body, ctx)
                self.close_stage(draft)
                return
            self.statements(body, ctx)

    def branches(self, label: str, value: g.Node, offset: int) -> list[tuple[str, list[g.Node], int, dict | None]]:
        """The branches a value handed to ``parallel`` holds: a closure, a map of closures
        built earlier (``branches[name] = { … }``) or by ``collectEntries``, a local method."""
        if isinstance(value, g.Closure):
            self.visited_closures[id(value)] += 1
            return [(label, value.body, offset, None)]
        if isinstance(value, (g.Name, g.Property, g.Index)):
            name = re.sub(r"\[.*\]$", "", self.text[value.start:value.end].replace(" ", ""))
            if name in self.closures:
                found = []
                for stored in self.closures[name]:
                    self.visited_closures[id(stored.closure)] += 1
                    found.append((label or stored.label, stored.closure.body, stored.closure.start, stored.scope))
                return found
            if name in self.methods:
                return [(label, [g.Call(value.start, value.end, None, name)], offset, None)]
        if isinstance(value, g.Call) and value.name in ("collectEntries", "collect") and value.closure is not None:
            made = self.collected(value)
            for stored in made:
                self.visited_closures[id(stored.closure)] += 1
            return [(stored.label, stored.closure.body, stored.closure.start, stored.scope) for stored in made]
        if isinstance(value, g.Call):
            return [(label, [value], offset, None)]
        return []

    def fan_out(self, branches, read, ctx: _Ctx) -> None:
        """Branches that start together after what came before and all finish before what
        comes after."""
        start = list(self.prev)
        ends: list[_Draft] = []
        saved_current = self.current
        for branch in branches:
            self.prev = list(start)
            self.current = None if saved_current is None else saved_current
            before = len(self.drafts)
            read(branch, ctx)
            if len(self.drafts) > before:
                ends.extend(self.prev)
        self.current = saved_current
        self.prev = _unique(ends) if ends else start

    def scripted_stage(self, node: g.Call, ctx: _Ctx) -> None:
        first = node.args[0] if node.args and not isinstance(node.args[0], g.Closure) else self.arg(node, "name", None)
        name = self.name_of(first)
        draft = self.open_stage(name, node.start, ctx)
        if node.closure is not None:
            self.visited_closures[id(node.closure)] += 1
            self.statements(node.closure.body, replace(ctx, group=ctx.group))
        self.close_stage(draft)

    # --- steps -----------------------------------------------------------------------

    def inputs(self, node: g.Call) -> list[tuple[str, str]]:
        found = []
        for i, arg in enumerate(node.args):
            if isinstance(arg, g.Closure):
                continue
            if isinstance(arg, g.MapLit):
                found.extend((self.literal(k), self.literal(v)) for k, v in arg.entries)
            else:
                found.append((str(i) if i else "value", self.literal(arg)))
        found.extend((n.key, self.literal(n.value)) for n in node.named)
        return found

    def step(self, node: g.Call, ctx: _Ctx, status_checked: bool) -> None:
        name = node.name
        span = self.span(node.start)
        allow = ctx.allow_failure
        if name in _SCRIPT_STEPS:
            script = self.arg(node, "script")
            label = self.literal(self.arg(node, "label", None))
            if self.flag(node, "returnStatus") and not status_checked:
                allow = True
            run = self.literal(script) if script is not None else ""
            self.add_step(make_step(span, name=label, run=run, allow_failure=allow, when=ctx.step_when), node.start)
            self.expression_args(node, ctx)
            return
        if name == "input":
            self.add_step(self.input_step(node), node.start)
            if self.current is not None and not any(t.startswith("deploy") for s in self.current.steps for t in self.tags_of(s)):
                self.current.when = "manual"
            return
        uses = name
        inputs = self.inputs(node)
        if name == "step":
            klass = next((v for k, v in inputs if k == "$class"), "")
            if klass:
                uses = klass.rpartition(".")[2]
        step = make_step(span, uses=uses, inputs=inputs, allow_failure=allow, when=ctx.step_when)
        self.add_step(step, node.start)
        draft = self.current
        if name == "stash":
            target = self.arg(node, "name")
            if draft is not None:
                draft.produces.append(Artifact(self.pattern(target), span))
        elif name == "unstash":
            target = self.arg(node, "name")
            if draft is not None:
                draft.consumes.append(Artifact(self.pattern(target), span))
        elif name == "archiveArtifacts" or uses == "ArtifactArchiver":
            target = self.arg(node, "artifacts")
            if draft is not None:
                draft.produces.append(Artifact(self.literal(target) if target is not None else "*", span))
        elif name in ("copyArtifacts", "copyArtifact") or uses == "CopyArtifact":
            project = self.arg(node, "projectName")
            if draft is not None:
                draft.consumes.append(Artifact("*", span, self.literal(project).rpartition("/")[2] if project is not None else "other-run"))
        elif name == "build":
            self.trigger_job(node, span)
        elif name == "milestone" and draft is not None:
            draft.facts.add("concurrency")
        self.expression_args(node, ctx)

    def input_step(self, node: g.Call) -> Step:
        message = self.arg(node, "message")
        if message is None and node.closure is not None:
            message = next((c.args[0] for c in _calls(node.closure.body, "message") if c.args), None)
        inputs = [("message", self.literal(message))] if message is not None else []
        for key in ("ok", "submitter"):
            value = self.arg(node, key, None)
            if value is None and node.closure is not None:
                value = next((c.args[0] for c in _calls(node.closure.body, key) if c.args), None)
            if value is not None:
                inputs.append((key, self.literal(value)))
        return make_step(self.span(node.start), name="input", uses="input", inputs=inputs)

    def trigger_job(self, node: g.Call, span: Span) -> None:
        job = self.arg(node, "job")
        if job is None:
            return
        name = self.name_of(job)
        local = self.local_job(name) if isinstance(job, g.Str) and not job.interpolated else None
        draft = self.current
        if local is not None and draft is not None and draft.calls is None:
            draft.calls = local
            return
        if draft is not None and draft.calls is None:
            draft.calls = name
        self.references.append(Reference("job", name, span, "Jenkins job is configured on the server; its pipeline is not read"))

    def local_job(self, job: str) -> str | None:
        """A Jenkinsfile of this repository that a job name points at (``deploy`` →
        ``deploy.Jenkinsfile``, ``Jenkinsfile.deploy``, ``deploy/Jenkinsfile`` …)."""
        if self.workspace.root is None:
            return None
        short = job.strip("/").rpartition("/")[2]
        if not re.fullmatch(r"[\w.-]+", short):
            return None
        here = posixpath.dirname(self.path)
        for name in (f"{short}.Jenkinsfile", f"{short}.jenkinsfile", f"Jenkinsfile.{short}", f"Jenkinsfile-{short}",
                     f"Jenkinsfile_{short}", f"{short}/Jenkinsfile", f"jenkins/{short}.Jenkinsfile", f"{short}.groovy"):
            for base in dict.fromkeys((here, "")):
                candidate = self.workspace.normalize(posixpath.join(base, name) if base else name)
                if candidate and candidate != self.path and self.workspace.exists(candidate):
                    return candidate
        return None

    def add_step(self, step: Step, offset: int) -> None:
        if self.current is not None:
            self.current.steps.append(step)
        else:
            if not self.loose:
                self.loose_anchor = offset
            self.loose.append(step)

    # --- stages and edges -------------------------------------------------------------

    def open_stage(self, name: str, offset: int, ctx: _Ctx, after: list[_Draft] | None = None, when: str = "on_success") -> _Draft:
        self.flush_loose(final=False)
        group = ctx.group
        if self.current is not None and after is None:
            # A stage inside another stage (scripted): it runs after its parent's start.
            group = self.current.name
        draft = _Draft(self.unique_id(name), name, self.span(offset), ctx, when=when)
        draft.ctx = replace(ctx, group=group)
        draft.loops = tuple(self.scope.get(LOOPS, ()))
        draft.allow_failure = ctx.allow_failure
        draft.concurrency = ctx.concurrency
        sources = self.prev if after is None else after
        for source in sources:
            # A stage skipped by its ``when`` does not keep the stages after it from running.
            self.edges.append(Edge(f"{self.path}#{source.id}", f"{self.path}#{draft.id}", "order", draft.span,
                                   requires_success=when == "on_success", skips_with_source=False))
        self.drafts.append(draft)
        draft.parent = self.current
        self.current = draft
        self.prev = [draft]
        return draft

    def close_stage(self, draft: _Draft) -> None:
        self.current = draft.parent

    def flush_loose(self, final: bool) -> None:
        """Steps outside any stage: a stage of their own when they do real work (a deploy
        after the last stage), or when the file has no stages at all (a shared-library
        one-liner such as ``buildPlugin()``)."""
        if not self.loose:
            return
        steps, self.loose = self.loose, []
        if not any(kinds(self.tags_of(s)) for s in steps) and not (final and not self.drafts):
            return
        names = list(dict.fromkeys(s.uses or "" for s in steps if s.uses))
        name = names[0] if len(names) == 1 and not any(s.run for s in steps) else "steps outside stages"
        draft = self.open_stage(name, self.loose_anchor or 0, _Ctx())
        draft.steps.extend(steps)
        self.close_stage(draft)

    def finish(self) -> Pipeline:
        stages = [self.stage(d) for d in self.drafts]
        order = [e for e in self.edges if e.kind == "order"]
        edges = order + link_artifacts(stages, order)
        triggers = self.pipeline_trigger_list()
        return Pipeline(
            path=self.path,
            platform=PLATFORM,
            name=posixpath.basename(self.path),
            span=self.top_span,
            triggers=tuple(triggers),
            stages=tuple(stages),
            edges=sorted_edges(edges),
            references=tuple(dict.fromkeys(self.references)),
            problems=tuple(self.problems),
            files=tuple(sorted(self.files)),
        )

    def pipeline_trigger_list(self) -> list[Trigger]:
        # Jenkins starts a Jenkinsfile on the changes its SCM source finds (multibranch
        # projects build branches and tags); the job's other triggers are in the file.
        found = []
        if self.index_triggers:
            found = [Trigger("push", self.top_span, "scm"), Trigger("tag", self.top_span, "scm")]
            if self.mentions_change_requests:
                found.append(Trigger("pull_request", self.top_span, "change request"))
        found.extend(self.triggers)
        if self.parameters_span is not None:
            found.append(Trigger("manual", self.parameters_span, "parameters", inputs=tuple(self.parameters)))
        return found

    def stage(self, draft: _Draft) -> Stage:
        ctx = draft.ctx
        steps = tuple(draft.steps)
        working = [s for s in steps if kinds(self.tags_of(s))]
        allow = draft.allow_failure or (bool(working) and all(s.allow_failure for s in working))
        facts = set(draft.facts)
        if ctx.ephemeral:
            facts.add("agent:ephemeral")
        if draft.container:
            # Its name describes the stages inside it, which say what they do themselves.
            facts.add("nested")
        unknown = [loop for loop in draft.loops if not loop.known]
        if unknown:
            # One stage stands for as many as the computed collection holds.
            facts.add("repeated")
        return Stage(
            id=draft.id,
            name=draft.name,
            pipeline=self.path,
            span=draft.span,
            group=ctx.group,
            steps=steps,
            when=draft.when,
            allow_failure=allow,
            condition=ctx.condition,
            services=tuple(draft.services),
            image=draft.image or ctx.image,
            produces=tuple(draft.produces),
            consumes=tuple(draft.consumes),
            matrix=ctx.matrix + tuple((loop.var, ("${" + loop.source + "}",)) for loop in unknown),
            concurrency=draft.concurrency or self.pipeline_concurrency,
            template=ctx.template or (f"{self.path}#loop:{self.span(draft.loops[-1].offset).line}" if draft.loops else None),
            calls=draft.calls,
            facts=frozenset(facts),
            variables=tuple(ctx.env) + tuple(draft.env),
        )

    def tags_of(self, step: Step) -> frozenset[str]:
        """What classification makes of a step: the parser groups steps by whether they
        work (a post block that deploys is a stage; one that only cleans up is not)."""
        return self.workspace.classifier.steps.step(step, PLATFORM).tags

    def property_items(self, args: list[g.Node]) -> list[g.Node]:
        """The job properties given to ``properties``, also when they were collected in a
        list variable first (``props << pipelineTriggers([...])``, then ``properties(props)``)."""
        items = []
        for item in _list_items(args):
            if isinstance(item, g.Name):
                if self.list_variables is None:
                    self.list_variables = _list_variables(self.module.body)
                items.extend(self.list_variables.get(item.id, []))
            else:
                items.append(item)
        return items

def _calls(body: list[g.Node], name: str) -> list[g.Call]:
    return [n for n in body if isinstance(n, g.Call) and n.callee is None and n.name == name]


def _list_variables(body: list[g.Node]) -> dict[str, list[g.Node]]:
    """What the script puts into each list variable, wherever it does: ``def x = [...]``,
    ``x += [...]``, ``x << a << b``, ``x.add(a)``, ``x.addAll([...])``."""
    found: dict[str, list[g.Node]] = {}
    stack = list(body)
    seen = 0
    while stack and seen < 20000:
        node = stack.pop()
        seen += 1
        if isinstance(node, g.VarDecl) and isinstance(node.value, g.ListLit) and node.names:
            found.setdefault(node.names[0], []).extend(node.value.items)
        elif isinstance(node, g.Assign) and isinstance(node.target, g.Name) and isinstance(node.value, g.ListLit):
            found.setdefault(node.target.id, []).extend(node.value.items)
        elif isinstance(node, g.Binary) and node.op == "<<":
            target, added = node, []
            while isinstance(target, g.Binary) and target.op == "<<":
                added.append(target.right)
                target = target.left
            if isinstance(target, g.Name):
                found.setdefault(target.id, []).extend(reversed(added))
                stack.extend(added)
                continue
        elif isinstance(node, g.Call) and isinstance(node.callee, g.Name) and node.name in ("add", "addAll", "push"):
            found.setdefault(node.callee.id, []).extend(_list_items(node.args))
        stack.extend(g.child_nodes(node))
    return found


def _list_items(args: list[g.Node]) -> list[g.Node]:
    items: list[g.Node] = []
    for arg in args:
        if isinstance(arg, g.ListLit):
            items.extend(arg.items)
        elif not isinstance(arg, g.Closure):
            items.append(arg)
    return items


def _first_arg(node: g.Node) -> g.Node | None:
    if isinstance(node, g.Call) and node.args:
        return node.args[0]
    return None


def _unique(drafts: list[_Draft]) -> list[_Draft]:
    seen: dict[int, _Draft] = {}
    for d in drafts:
        seen.setdefault(id(d), d)
    return list(seen.values())


def _has_stage(body: list[g.Node]) -> bool:
    for root in body:
        for node in (root, *g.iter_nodes(root)):
            if isinstance(node, g.Call) and node.callee is None and node.name == "stage":
                return True
    return False


def _does_work(root: g.Node) -> bool:
    """Whether a statement calls a step (anything but printing and build bookkeeping)."""
    for node in (root, *g.iter_nodes(root)):
        if isinstance(node, g.Call) and node.callee is None and node.name not in _NOISE:
            return True
    return False


def _fails(body: list[g.Node]) -> bool:
    """Whether a block fails the build: ``throw``, ``error(…)``, or a shell ``exit 1``."""
    for root in body:
        for node in (root, *g.iter_nodes(root)):
            if isinstance(node, g.Throw):
                return True
            if isinstance(node, g.Call) and node.callee is None and node.name == "error":
                return True
            if isinstance(node, g.Call) and node.callee is None and node.name in _SCRIPT_STEPS and node.args:
                first = node.args[0]
                if isinstance(first, g.Str) and re.search(r"\bexit\s+[1-9]", first.value):
                    return True
    return False
