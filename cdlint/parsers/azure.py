"""Azure Pipelines YAML (``azure-pipelines.yml`` and friends) into the stage graph.

Each Azure job or deployment job is a stage of the model (id ``stage/job``, its Azure
stage in ``group``); the shorthand forms (jobs only, steps only) make one implicit
Azure stage. Stages depend on the previous stage unless ``dependsOn`` says otherwise;
jobs in a stage run in parallel unless ``dependsOn`` orders them.

Templates are expanded first, the way Azure compiles a run: ``template:`` references
(stage, job, step, variable level) and ``extends:`` are read from disk inside the
scanned root, with their parameters, and template expressions (``${{ if }}``, ``${{
each }}``, ``${{ parameters.x }}`` …) are evaluated as far as the files decide them.
A branch that depends on the run (``${{ if eq(variables['Build.SourceBranch'], …) }}``,
a parameter a person picks when queueing a manual pipeline) is kept, and the stages it
adds carry that guard in their condition. Templates from other repositories are
recorded as references, never fetched; the stages a pipeline passes to such a
template (1ES, OneBranch) are analysed as written.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Any

from cdlint.errors import ParseError
from cdlint.model import (
    Artifact,
    Condition,
    Edge,
    Environment,
    Input,
    Pipeline,
    Problem,
    Reference,
    Span,
    Stage,
    Step,
    Trigger,
    sorted_edges,
)
from cdlint.parsers import azexpr
from cdlint.parsers.azexpr import Unknown
from cdlint.parsers.common import check_edges, environment, link_artifacts, make_step, text
from cdlint.workspace import Workspace
from cdlint.yamlload import Map, Seq, load

PLATFORM = "azure"
# Discovery: a file another Azure pipeline includes is a template, not a pipeline of its own.
INCLUDES_ARE_TEMPLATES = True
# Bounds on template expansion; real pipelines stay far below (the corpus: 3,400 values, 100 inclusions).
MAX_VALUES = 100_000
MAX_INCLUDES = 2_000
MAX_EXTENDS = 10

_DIRECTIVE = re.compile(r"^\$\{\{\s*(if|elseif|else|each|insert)\b(.*?)\}\}$", re.S)
_EACH = re.compile(r"^\s*([A-Za-z_][\w-]*)\s+in\s+(.+?)\s*$", re.S)
_WHOLE = re.compile(r"^\s*\$\{\{(.*?)\}\}\s*$", re.S)
_MACRO = re.compile(r"\$\(([\w.]+)\)")
_TEMPLATE_LISTS = ("stages", "jobs", "steps", "variables")
_STEP_KINDS = ("script", "bash", "pwsh", "powershell", "task", "checkout", "download", "downloadBuild", "publish",
               "upload", "getPackage", "reviewApp", "restoreCache", "saveCache", "template")
_SCALAR_TYPES = ("string", "number", "boolean")
_HOOKS = ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic")


def parse(text_: str, path: str, workspace: Workspace | None = None) -> Pipeline:
    """Parse one pipeline file with its local templates; a file that cannot be read raises ParseError."""
    workspace = workspace or Workspace()
    document = load(text_, path)
    data = document.value
    if data is None:
        raise ParseError("pipeline file is empty", Span(path, 1, 1))
    if not isinstance(data, Map):
        where = data.span() if isinstance(data, Seq) else Span(path, 1, 1)
        raise ParseError("an Azure pipeline must be a mapping with 'trigger', 'stages', 'jobs' or 'steps'", where)
    reader = _Reader(path, workspace)
    reader.problems.extend(Problem("parse-error", e.span, e.message) for e in document.problems)
    return reader.pipeline(data)


# --- positioned values built by the expansion ----------------------------------------


class _Text(str):
    """A string from a template parameter, which remembers where its value was written."""

    where: tuple[str, int, int]


def _text_at(value: Any, span: Span) -> Any:
    if isinstance(value, str) and not isinstance(value, _Text):
        value = _Text(value)
        value.where = (span.path, span.line, span.column)
    return value


class _Map(Map):
    """A mapping assembled from several places (conditional insertions, parameters):
    each key and value remembers the file it was written in."""

    __slots__ = ("files", "value_files")

    def key_span(self, key: Any) -> Span:
        line, column = self.keys_at.get(key, (self.line, self.column))
        return Span(self.files.get(key, self.path), line, column)

    def value_span(self, key: Any) -> Span:
        line, column = self.values_at.get(key, (self.line, self.column))
        return Span(self.value_files.get(key, self.files.get(key, self.path)), line, column)


class _Seq(Seq):
    """A sequence assembled from several files (template items spliced in)."""

    __slots__ = ("files",)

    def item_span(self, index: int) -> Span:
        if 0 <= index < len(self.items_at):
            line, column = self.items_at[index]
            return Span(self.files[index], line, column)
        return self.span()


def _new_map(like) -> _Map:
    m = _Map()
    m.path, m.line, m.column = like.path, like.line, like.column
    m.tag, m.keys_at, m.values_at, m.files, m.value_files = None, {}, {}, {}, {}
    return m


def _new_seq(like) -> _Seq:
    s = _Seq()
    s.path, s.line, s.column = like.path, like.line, like.column
    s.tag, s.items_at, s.files = None, [], []
    return s


def _put(out: _Map, key: Any, value: Any, source: Map, source_key: Any) -> None:
    out[key] = value
    out.keys_at[key] = source.keys_at.get(source_key, (source.line, source.column))
    out.files[key] = source.files.get(source_key, source.path) if isinstance(source, _Map) else source.path
    if isinstance(value, _Text):
        out.value_files[key], line, column = value.where
        out.values_at[key] = (line, column)
        return
    out.values_at[key] = source.values_at.get(source_key, (source.line, source.column))
    if isinstance(source, _Map) and source_key in source.value_files:
        out.value_files[key] = source.value_files[source_key]
    else:
        out.value_files.pop(key, None)


def _append(out: _Seq, value: Any, where: tuple[str, int, int]) -> None:
    if isinstance(value, _Text):
        where = value.where
    out.append(value)
    out.items_at.append((where[1], where[2]))
    out.files.append(where[0])


def _where(seq: Seq, index: int) -> tuple[str, int, int]:
    if 0 <= index < len(seq.items_at):
        line, column = seq.items_at[index]
        return (seq.files[index] if isinstance(seq, _Seq) else seq.path), line, column
    return seq.path, seq.line, seq.column


def _copy(m: Map) -> _Map:
    out = _new_map(m)
    for key in m:
        _put(out, key, m[key], m, key)
    return out


# --- template expansion ----------------------------------------------------------------


class _Budget(Exception):
    pass


class _Variables:
    """Variables as template expressions see them: the ones the files define statically;
    anything else (predefined, set at run time, from variable groups) is unknown."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def member(self, key: Any) -> Any:
        name = azexpr.to_text(key).lower()
        if name in self.values:
            return azexpr.plain(self.values[name])
        return Unknown(f"variables['{azexpr.to_text(key)}']")


@dataclass(frozen=True)
class _Remote:
    """A template of another repository, as the place that includes what is passed to it."""

    alias: str


@dataclass(frozen=True)
class _Scope:
    """What template expressions see at one place: the file, its parameters, the static
    variables, loop variables, the template stack, and the undecided ``${{ if }}`` guards."""

    file: str
    params: dict[str, Any]
    variables: dict[str, Any] = field(default_factory=dict)
    loops: dict[str, Any] = field(default_factory=dict)
    stack: tuple[str, ...] = ()
    guards: tuple[tuple[bool, str], ...] = ()
    each: str | None = None
    # Azure resolves a template reference inside a value passed to a template against the
    # template it is passed to (issue MicrosoftDocs/azure-devops-docs#8106), not its own file.
    base: str | _Remote | None = None

    def lookup(self, name: str) -> Any:
        if name in self.loops:
            return self.loops[name]
        lowered = name.lower()
        if lowered == "parameters":
            return self.params
        if lowered == "variables":
            return _Variables(self.variables)
        raise KeyError(name)


@dataclass
class _Chain:
    """State of an ``${{ if }}`` / ``${{ elseif }}`` / ``${{ else }}`` chain."""

    taken: bool = False
    unknown: list[str] = field(default_factory=list)


class _Expander:
    """Evaluates template expressions and inlines local templates, producing plain Azure YAML
    values (new ``_Map``/``_Seq``; loaded values are never changed)."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.spent = 0
        self.trees: dict[str, Any] = {}
        self.guards: dict[int, tuple[tuple[bool, str], ...]] = {}
        self.origins: dict[int, str] = {}
        self.partial: set[int] = set()
        self.keep: list[Any] = []

    def spend(self) -> None:
        self.spent += 1
        if self.spent > MAX_VALUES:
            raise _Budget()

    def evaluate(self, expr: str, scope: _Scope) -> Any:
        tree = self.trees.get(expr)
        if tree is None:
            try:
                tree = azexpr.parse(expr.strip())
            except (azexpr.ExprError, RecursionError):
                tree = ("bad", expr)
            self.trees[expr] = tree
        if tree[0] == "bad":
            return Unknown(expr.strip())
        return azexpr.evaluate(tree, scope.lookup)

    def unknown_text(self, value: Unknown, expr: str) -> str:
        tree = self.trees.get(expr)
        if tree is not None and tree[0] == "ref" and value.source.startswith("parameters."):
            return "${{ " + value.source + " }}"
        return "${{ " + expr.strip() + " }}"

    def value(self, v: Any, scope: _Scope, hint: str | None = None) -> Any:
        self.spend()
        if isinstance(v, str):
            result = self.scalar(v, scope)
            if hint in _TEMPLATE_LISTS and isinstance(result, Seq):
                # `steps: ${{ parameters.steps }}`: the inserted items are included here.
                out = _new_seq(result)
                for index, element in enumerate(result):
                    self.add(out, element, _where(result, index), scope, hint, fresh=False)
                return out
            return result
        if isinstance(v, Map):
            return self.mapping(v, scope, hint)
        if isinstance(v, Seq):
            return self.sequence(v, scope, hint)
        return v

    def scalar(self, value: str, scope: _Scope) -> Any:
        if "${{" not in value:
            return value
        whole = _WHOLE.match(value)
        if whole and value.count("${{") == 1:
            result = self.evaluate(whole[1], scope)
            return self.unknown_text(result, whole[1]) if isinstance(result, Unknown) else result

        def substitute(match: re.Match) -> str:
            result = self.evaluate(match[1], scope)
            return self.unknown_text(result, match[1]) if isinstance(result, Unknown) else azexpr.to_text(result)

        return azexpr.TEMPLATE.sub(substitute, value)

    def decide(self, kind: str, arg: str, chain: _Chain | None, scope: _Scope) -> tuple[_Scope | None, _Chain]:
        """The scope to expand a branch of an if-chain in, or None when the branch is not taken."""
        if kind == "if" or chain is None:
            chain = _Chain()
        if chain.taken:
            return None, chain
        condition = True if kind == "else" else azexpr.truthy(self.evaluate(arg, scope))
        if condition is False:
            return None, chain
        # A branch after undecided ones runs only when those were false.
        guard = [(False, u) for u in chain.unknown]
        if isinstance(condition, Unknown):
            guard.append((True, arg.strip()))
            chain.unknown.append(arg.strip())
        else:
            chain.taken = True
        if not guard:
            return scope, chain
        return replace(scope, guards=scope.guards + tuple(g for g in guard if g not in scope.guards)), chain

    def loop(self, arg: str, scope: _Scope) -> list[_Scope]:
        match = _EACH.match(arg)
        if not match:
            return []
        collection = self.evaluate(match[2], scope)
        if isinstance(collection, dict):
            typed = type(collection) is dict
            items: list[Any] = [{"key": k, "value": v if typed else azexpr.plain(v)} for k, v in collection.items()]
        elif isinstance(collection, Seq):
            items = [_text_at(azexpr.plain(v), collection.item_span(i)) for i, v in enumerate(collection)]
        elif isinstance(collection, list):
            items = list(collection)
        else:
            return []
        origin = scope.each or f"{scope.file}#each:{match[1]}"
        return [replace(scope, loops={**scope.loops, match[1]: item}, each=origin) for item in items]

    def mapping(self, m: Map, scope: _Scope, hint: str | None = None, skip: tuple[str, ...] = ()) -> _Map:
        out = _new_map(m)
        if "variables" in m and "variables" not in skip:
            value = self.value(m["variables"], scope, "variables")
            _put(out, "variables", value, m, "variables")
            scope = replace(scope, variables={**scope.variables, **self.reader.static_variables(value)})
        passing = scope
        if isinstance(m.get("template"), str) and "parameters" in m:
            where = self.reader.locate(self.scalar(m["template"], scope), scope.base or scope.file)
            if where is not None:
                passing = replace(scope, base=where)
        chain: _Chain | None = None
        for key, val in m.items():
            if key in skip or key == "variables":
                continue
            if key == "parameters" and passing is not scope:
                _put(out, key, self.value(val, passing, key), m, key)
                continue
            directive = _DIRECTIVE.match(key.strip()) if isinstance(key, str) else None
            if directive:
                kind, arg = directive[1], directive[2]
                if kind in ("if", "elseif", "else"):
                    inner, chain = self.decide(kind, arg, chain, scope)
                    if inner is not None:
                        self.merge(out, self.value(val, inner, hint), first_wins=inner is not scope)
                    continue
                chain = None
                if kind == "each":
                    for inner in self.loop(arg, scope):
                        self.merge(out, self.value(val, inner, hint), first_wins=False)
                else:
                    self.merge(out, self.value(val, scope, hint), first_wins=False)
                continue
            chain = None
            name = key
            if isinstance(key, str) and "${{" in key:
                expanded = self.scalar(key, scope)
                name = expanded if isinstance(expanded, str) else azexpr.to_text(expanded)
            _put(out, name, self.value(val, scope, name if isinstance(name, str) else None), m, key)
        return out

    def merge(self, out: _Map, value: Any, first_wins: bool) -> None:
        if not isinstance(value, Map):
            return
        for key in value:
            if first_wins and key in out:
                continue
            _put(out, key, value[key], value, key)

    def sequence(self, s: Seq, scope: _Scope, hint: str | None = None) -> _Seq:
        out = _new_seq(s)
        chain: _Chain | None = None
        for index, item in enumerate(s):
            directives = (
                [(k, _DIRECTIVE.match(k.strip())) for k in item]
                if isinstance(item, Map) and item and all(isinstance(k, str) for k in item)
                else []
            )
            if directives and all(d for _, d in directives):
                for key, directive in directives:
                    kind, arg = directive[1], directive[2]
                    if kind in ("if", "elseif", "else"):
                        inner, chain = self.decide(kind, arg, chain, scope)
                        if inner is not None:
                            self.splice(out, item[key], item.value_span(key), inner, hint)
                        continue
                    chain = None
                    scopes = self.loop(arg, scope) if kind == "each" else [scope]
                    for inner in scopes:
                        self.splice(out, item[key], item.value_span(key), inner, hint)
                continue
            chain = None
            self.item(out, item, _where(s, index), scope, hint)
        return out

    def splice(self, out: _Seq, value: Any, span: Span, scope: _Scope, hint: str | None) -> None:
        if isinstance(value, Seq):
            expanded = self.sequence(value, scope, hint)
            for index, element in enumerate(expanded):
                _append(out, element, _where(expanded, index))
            if id(expanded) in self.partial:
                self.partial.add(id(out))
                self.keep.append(out)
        elif value is not None:
            self.item(out, value, (span.path, span.line, span.column), scope, hint)

    def item(self, out: _Seq, item: Any, where: tuple[str, int, int], scope: _Scope, hint: str | None) -> None:
        expanded = self.value(item, scope, hint)
        if isinstance(item, str) and isinstance(expanded, list):
            # `- ${{ parameters.steps }}`: a list inserted into a list is spliced in.
            for index, element in enumerate(expanded):
                at = _where(expanded, index) if isinstance(expanded, Seq) else where
                self.add(out, element, at, scope, hint, fresh=False)
            return
        self.add(out, expanded, where, scope, hint, fresh=isinstance(item, Map))

    def add(self, out: _Seq, value: Any, where: tuple[str, int, int], scope: _Scope, hint: str | None, fresh: bool) -> None:
        if isinstance(value, Map) and hint in _TEMPLATE_LISTS and "template" in value:
            included = self.reader.include(value, scope, hint)
            if included is None:
                self.partial.add(id(out))
                self.keep.append(out)
                _append(out, value, where)
                return
            for element, at in included:
                _append(out, element, at)
            return
        if isinstance(value, Map):
            where = (value.path, value.line, value.column)
            if scope.guards or scope.each:
                if not fresh:
                    value = _copy(value)
                self.keep.append(value)
                if scope.guards:
                    self.guards[id(value)] = scope.guards
                if scope.each:
                    self.origins.setdefault(id(value), scope.each)
        _append(out, value, where)


# --- reading the expanded pipeline ----------------------------------------------------


@dataclass
class _Group:
    """One Azure stage while its jobs are read."""

    id: str
    span: Span
    explicit: bool
    depends: list[tuple[str, Span]] | None
    reading: azexpr.Reading
    condition_text: str
    condition_span: Span | None
    manual: bool
    guards: tuple[tuple[bool, str], ...] = ()
    stages: list[Stage] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, path: str, workspace: Workspace) -> None:
        self.path = path
        self.workspace = workspace
        self.root = _repository_root(path, workspace)
        self.problems: list[Problem] = []
        self.references: list[Reference] = []
        self.files: set[str] = set()
        self.loaded: set[str] = set()
        self.existing: dict[str, bool] = {}
        self.failed: set[tuple[Span, str]] = set()
        self.included = 0
        self.repositories: dict[str, str] = {}
        self.containers: dict[str, str] = {}
        self.resources: dict[str, str] = {}
        self.choices: dict[str, tuple[str, ...]] = {}
        self.expander = _Expander(self)

    def problem(self, rule: str, span: Span, message: str, key: str = "") -> None:
        self.problems.append(Problem(rule, span, message, key))

    # --- the whole file -----------------------------------------------------------

    def pipeline(self, data: Map) -> Pipeline:
        self.read_resources(data.get("resources"))
        # With `trigger: none`, runtime parameters make a pipeline that people start by hand
        # and fill in; parameters of CI-triggered runs keep their defaults.
        declared = data.get("parameters")
        manual = _is_none(data.get("trigger")) and bool(declared)
        scope = _Scope(file=self.path, params=self.top_parameters(declared, manual), stack=(self.path,))
        try:
            top = self.expander.mapping(data, scope, skip=("parameters",))
            content = self.extends(top, scope)
        except _Budget:
            raise ParseError(
                f"templates expand to more than {MAX_VALUES} values or {MAX_INCLUDES} template uses; cdlint stops here",
                data.span(),
            ) from None
        self.read_resources(top.get("resources"))
        variables = {**self.static_variables(top.get("variables")), **self.static_variables(content.get("variables"))}
        triggers = self.triggers(top, declared, manual)
        stages, edges = self.stages(content, variables)
        edges = edges + link_artifacts(stages, edges)
        return Pipeline(
            path=self.path,
            platform=PLATFORM,
            name=posixpath.basename(self.path),
            span=data.span(),
            triggers=tuple(triggers),
            stages=tuple(stages),
            edges=sorted_edges(edges),
            references=tuple(self.references),
            problems=tuple(self.problems),
            files=tuple(sorted({self.path, *self.files})),
        )

    def read_resources(self, resources: Any) -> None:
        if not isinstance(resources, Map):
            return
        for kind, target, key in (("repositories", self.repositories, "repository"),
                                  ("containers", self.containers, "container"),
                                  ("pipelines", self.resources, "pipeline")):
            items = resources.get(kind)
            if not isinstance(items, Seq):
                continue
            for item in items:
                if not isinstance(item, Map) or not isinstance(item.get(key), (str, int)):
                    continue
                alias = text(item[key])
                detail = {"repositories": "name", "containers": "image", "pipelines": "source"}[kind]
                value = item.get(detail)
                target[alias] = text(value) if isinstance(value, (str, int, float)) else alias

    def top_parameters(self, declared: Any, manual: bool) -> dict[str, Any]:
        """Values of the pipeline's own parameters: their defaults, except that in a pipeline
        started by hand a person picks scalar values when queueing, so those are unknown."""
        params = self.bind(declared, None)
        if not manual or not isinstance(declared, Seq):
            return params
        for spec in declared:
            if not isinstance(spec, Map) or not isinstance(spec.get("name"), (str, int)):
                continue
            name = text(spec["name"])
            kind = text(spec.get("type") or "string").lower()
            if kind not in _SCALAR_TYPES:
                continue
            values = spec.get("values")
            choices = tuple(text(v) for v in values if not isinstance(v, (Map, Seq))) if isinstance(values, Seq) else ()
            if kind == "boolean":
                choices = choices or ("True", "False")
            elif not choices and isinstance(spec.get("default"), (str, int, float)):
                choices = (text(spec["default"]),)
            source = f"parameters.{name}"
            self.choices[source] = choices
            params[name] = Unknown(source, choices)
        return params

    def bind(self, declared: Any, passed: Any) -> dict[str, Any]:
        """Template parameters: the values passed, else the declared defaults."""
        given = passed if isinstance(passed, Map) else {}
        params: dict[str, Any] = {}
        if isinstance(declared, Seq):
            for spec in declared:
                if not isinstance(spec, Map) or not isinstance(spec.get("name"), (str, int)):
                    continue
                name = text(spec["name"])
                kind = text(spec.get("type") or "string").lower()
                if name in given:
                    value = self.reopen(given[name]) or _text_at(_coerce(given[name], kind), given.value_span(name))
                elif "default" in spec:
                    value = _text_at(_coerce(spec["default"], kind), spec.value_span("default"))
                else:
                    value = Unknown(f"parameters.{name}")
                params[name] = value
        elif isinstance(declared, Map):
            for name, value in declared.items():
                params[text(name)] = _text_at(azexpr.plain(value), declared.value_span(name))
        for name, value in given.items():
            # Old-style (mapping) declarations take any parameter; typed ones were bound above.
            if text(name) not in params or not isinstance(declared, Seq):
                params[text(name)] = self.reopen(value) or _text_at(azexpr.plain(value), given.value_span(name))
        return params

    def reopen(self, value: Any) -> Unknown | None:
        """A value the caller could not decide reaches the template as its expression text;
        it stays undecided there (``${{ if }}`` on it keeps both branches)."""
        whole = _WHOLE.match(value) if isinstance(value, str) and value.count("${{") == 1 else None
        if whole is None:
            return None
        source = whole[1].strip()
        return Unknown(source, self.choices.get(source, ()))

    def static_variables(self, value: Any) -> dict[str, Any]:
        """Variables the file defines with fixed values, by lowercase name."""
        found: dict[str, Any] = {}
        if isinstance(value, Map):
            for name, v in value.items():
                if isinstance(name, str) and not isinstance(v, (Map, Seq)):
                    found[name.lower()] = v
        elif isinstance(value, Seq):
            for item in value:
                if not isinstance(item, Map):
                    continue
                if "name" in item and not isinstance(item.get("value"), (Map, Seq)):
                    found[text(item["name"]).lower()] = item.get("value")
                elif "group" not in item and "template" not in item:
                    found.update(self.static_variables(item))
        return found

    # --- templates --------------------------------------------------------------

    def locate(self, ref: Any, base: str | _Remote) -> str | _Remote | None:
        """The file or remote template a reference names, without recording anything."""
        if not isinstance(ref, str) or not ref.strip() or "${{" in ref or "$(" in ref:
            return None
        path, _, alias = ref.strip().partition("@")
        if alias and alias != "self":
            return _Remote(alias)
        if isinstance(base, _Remote) and alias != "self":
            return base
        return self.local_path(path, base if isinstance(base, str) else self.path)

    def local_path(self, path: str, base: str) -> str | None:
        root = self.root + "/" if self.root else ""
        if path.startswith("/"):
            return self.workspace.normalize(root + path.lstrip("/"))
        target = self.workspace.normalize(path, base)
        if target is not None and not self.exists(target):
            # Relative to the including file, as Azure documents; pipelines also write paths
            # from the repository root without '/' (with or without `@self`), which Azure finds.
            fallback = self.workspace.normalize(root + path)
            if fallback is not None and self.exists(fallback):
                return fallback
        return target

    def exists(self, target: str) -> bool:
        if target not in self.existing:
            self.existing[target] = self.workspace.root is not None and self.workspace.exists(target)
        return self.existing[target]

    def template_target(self, ref: Any, span: Span, base: str | _Remote) -> str | None:
        """The root-relative file a template reference names, or None (recorded as a problem
        or a reference) when cdlint cannot read it."""
        if not isinstance(ref, str) or not ref.strip() or "${{" in ref or "$(" in ref:
            reason = "the template path is computed from values cdlint cannot resolve"
            self.references.append(Reference("template", text(ref), span, reason))
            return None
        path, _, alias = ref.strip().partition("@")
        if alias and alias != "self":
            reason = f"template from {self.repository(alias)} is not fetched"
            self.references.append(Reference("template", ref.strip(), span, reason))
            return None
        if isinstance(base, _Remote) and alias != "self":
            reason = f"it is passed to a template from {self.repository(base.alias)}, where Azure looks it up; not fetched"
            self.references.append(Reference("template", ref.strip(), span, reason))
            return None
        target = self.local_path(path, base if isinstance(base, str) else self.path)
        if target is None:
            self.problem("parse-error", span, f"template '{ref.strip()}' is outside the scanned directory")
            return None
        if not self.exists(target):
            self.references.append(Reference("template", ref.strip(), span, "local template not found"))
            return None
        return target

    def repository(self, alias: str) -> str:
        name = self.repositories.get(alias)
        return f"repository '{alias}'" + (f" ({name})" if name and name != alias else "")

    def load_template(self, target: str, span: Span, stack: tuple[str, ...]) -> Map | None:
        if target in stack:
            chain = " -> ".join((*stack[stack.index(target):], target))
            self.problem("parse-error", span, f"template '{target}' includes itself (cycle: {chain})", key=f"cycle:{target}")
            return None
        self.included += 1
        if self.included > MAX_INCLUDES:
            raise _Budget()
        if len(stack) > self.workspace.max_include_depth:
            self.problem("parse-error", span, f"templates nested deeper than {self.workspace.max_include_depth} levels")
            return None
        try:
            document = self.workspace.load_yaml(target, span)
        except ParseError as e:
            self.problem("parse-error", e.span, e.message)
            return None
        if target not in self.loaded:
            self.loaded.add(target)
            self.problems.extend(Problem("parse-error", e.span, e.message) for e in document.problems)
        self.files.add(target)
        body = document.value
        if not isinstance(body, Map):
            self.problem("parse-error", span, f"template '{target}' is not a mapping")
            return None
        return body

    def include(self, item: Map, scope: _Scope, hint: str) -> list[tuple[Any, tuple[str, int, int]]] | None:
        """The stages, jobs, steps or variables a ``template:`` item stands for; None when the
        template was not read."""
        span = item.value_span("template")
        attempt = (span, text(item.get("template")))
        if attempt in self.failed:
            return None  # already recorded where it was first met
        target = self.template_target(item.get("template"), span, scope.base or scope.file)
        if target is None:
            self.failed.add(attempt)
            return None
        body = self.load_template(target, span, scope.stack)
        if body is None:
            return None
        inner = replace(
            scope, file=target, params=self.bind(body.get("parameters"), item.get("parameters")), loops={},
            stack=scope.stack + (target,), base=None,
        )
        expanded = self.expander.mapping(body, inner, skip=("parameters",))
        content = expanded.get(hint)
        if content is None:
            if not any(k in expanded for k in _TEMPLATE_LISTS):
                return []
            self.problem("parse-error", span, f"template '{item.get('template')}' has no '{hint}'")
            return None
        if isinstance(content, Seq):
            return [(element, _where(content, i)) for i, element in enumerate(content)]
        if isinstance(content, Map):
            return [(content, (content.path, content.line, content.column))]
        return []

    def extends(self, top: _Map, scope: _Scope) -> Map:
        """The map that holds the pipeline's stages/jobs/steps: the file itself, or the
        template it extends (local templates are expanded, chains followed)."""
        current: Map = top
        for _ in range(MAX_EXTENDS):
            ext = current.get("extends")
            if not isinstance(ext, Map):
                return current
            span = ext.value_span("template") if "template" in ext else current.value_span("extends")
            passed = ext.get("parameters")
            target = self.template_target(ext.get("template"), span, scope.file)
            body = self.load_template(target, span, scope.stack) if target else None
            if body is None:
                # A template from another repository (1ES, OneBranch) wraps the stages the
                # pipeline passes to it: analyse those as written.
                content = _new_map(current)
                if isinstance(passed, Map):
                    for key in ("stages", "jobs", "steps", "pool"):
                        if key in passed:
                            _put(content, key, passed[key], passed, key)
                return content
            scope = replace(
                scope, file=target, params=self.bind(body.get("parameters"), passed), loops={},
                stack=scope.stack + (target,), base=None,
            )
            current = self.expander.mapping(body, scope, skip=("parameters",))
        self.problem("parse-error", current.span(), f"'extends' chained more than {MAX_EXTENDS} times")
        return current

    # --- triggers ---------------------------------------------------------------

    def triggers(self, top: Map, declared: Any, manual: bool) -> list[Trigger]:
        found: list[Trigger] = []
        start = top.span()
        if "trigger" not in top or top.get("trigger") is None:
            found.append(Trigger("push", top.key_span("trigger") if "trigger" in top else start, "trigger (default)"))
        elif not _is_none(top["trigger"]):
            found.extend(self.ci_trigger(top["trigger"], top.key_span("trigger"), "trigger"))
        if "pr" not in top or top.get("pr") is None:
            # Azure validates pull requests to every branch when `pr:` is absent (GitHub and
            # Bitbucket repositories; Azure Repos do the same through branch policies).
            found.append(Trigger("pull_request", top.key_span("pr") if "pr" in top else start, "pr (default)"))
        elif not _is_none(top["pr"]):
            pr = top["pr"]
            branches, ignore = _filters(pr.get("branches") if isinstance(pr, Map) else pr)
            if not (isinstance(pr, Map) and "branches" in pr and branches == () and ignore):
                found.append(Trigger("pull_request", top.key_span("pr"), "pr", branches, ignore, paths=_paths(pr)))
        schedules = top.get("schedules")
        if isinstance(schedules, Seq):
            for index, item in enumerate(schedules):
                if isinstance(item, Map):
                    branches, ignore = _filters(item.get("branches"))
                    found.append(Trigger("schedule", schedules.item_span(index), "schedules", branches, ignore))
        found.extend(self.resource_triggers(top.get("resources")))
        if manual or (not found and _is_none(top.get("trigger"))):
            # Started by hand: with parameters to fill in, or because nothing else starts it.
            found.append(Trigger("manual", top.key_span("trigger"), "manual run", inputs=tuple(_inputs(declared))))
        return found

    def ci_trigger(self, value: Any, span: Span, event: str, source: str | None = None) -> list[Trigger]:
        if isinstance(value, bool):
            return [Trigger("push", span, event, source=source)] if value else []
        if isinstance(value, Map):
            branches, ignore = _filters(value.get("branches")) if "branches" in value else (None, ())
            tags, tags_ignore = _filters(value.get("tags")) if "tags" in value else ((), ())
            tags = tags or ()  # "tags:" with nothing under it: none
            found = []
            if "branches" in value or "tags" not in value:
                heads = tuple(b for b in branches if not b.startswith("refs/tags/")) if branches is not None else None
                tags = tags + tuple(b[len("refs/tags/"):] for b in branches or () if b.startswith("refs/tags/"))
                # Azure: an exclude without any include triggers nothing.
                if heads is None or heads:
                    found.append(Trigger("push", span, event, heads, ignore, paths=_paths(value), source=source))
            if tags:
                found.append(Trigger("tag", span, event, tags=tags, tags_ignore=tags_ignore, source=source))
            return found
        branches, _ = _filters(value)
        heads = tuple(b for b in branches or () if not b.startswith("refs/tags/"))
        tags = tuple(b[len("refs/tags/"):] for b in branches or () if b.startswith("refs/tags/"))
        found = [Trigger("push", span, event, heads, source=source)] if heads else []
        if tags:
            found.append(Trigger("tag", span, event, tags=tags, source=source))
        return found

    def resource_triggers(self, resources: Any) -> list[Trigger]:
        if not isinstance(resources, Map):
            return []
        found: list[Trigger] = []
        pipelines = resources.get("pipelines")
        for item in pipelines if isinstance(pipelines, Seq) else ():
            if not isinstance(item, Map) or "trigger" not in item or _is_none(item.get("trigger")):
                continue
            trig = item["trigger"]
            alias = text(item.get("pipeline"))
            source = text(item.get("source")) if item.get("source") is not None else alias
            branches: tuple[str, ...] | None = None
            ignore: tuple[str, ...] = ()
            if isinstance(trig, Map):
                branches, ignore = _filters(trig.get("branches")) if "branches" in trig else (None, ())
            # Pipeline-completion triggers fire when the upstream run completed successfully.
            found.append(Trigger(
                "upstream", item.key_span("trigger"), "resources.pipelines", branches, ignore, source=source,
                types=("completed",), on_success_only=True,
            ))
        repositories = resources.get("repositories")
        for item in repositories if isinstance(repositories, Seq) else ():
            if isinstance(item, Map) and "trigger" in item and not _is_none(item.get("trigger")):
                source = text(item.get("name") or item.get("repository"))
                found.extend(self.ci_trigger(item["trigger"], item.key_span("trigger"), "resources.repositories", source))
        for kind, event in (("containers", "resources.containers"), ("webhooks", "resources.webhooks")):
            items = resources.get(kind)
            for item in items if isinstance(items, Seq) else ():
                if isinstance(item, Map) and (kind == "webhooks" or ("trigger" in item and not _is_none(item.get("trigger")))):
                    found.append(Trigger("api", item.span(), event))
        return found

    # --- stages and jobs -------------------------------------------------------

    def stages(self, content: Map, variables: dict[str, Any]) -> tuple[list[Stage], list[Edge]]:
        if isinstance(content.get("stages"), Seq):
            items = content["stages"]
            groups = []
            for index, item in enumerate(items):
                if not isinstance(item, Map):
                    if item is not None and not (isinstance(item, str) and "${{" in item):
                        self.problem("parse-error", items.item_span(index), "a stage must be a mapping")
                    continue
                if "template" in item and "stage" not in item:
                    continue
                groups.append(self.group(item, index, variables))
            partial = id(items) in self.expander.partial
        elif "jobs" in content or "steps" in content:
            where = content.key_span("jobs") if "jobs" in content else content.span()
            group = _Group("", where, False, [], azexpr.Reading(), "", None, False)
            if "jobs" in content:
                self.jobs(group, content.get("jobs"), variables)
            else:
                self.jobs(group, [content], variables, implicit=True)
            groups, partial = [group], False
        else:
            if not any(r.kind == "template" and r.span.path == self.path for r in self.references):
                self.problem("parse-error", content.span(), "pipeline has no 'stages', 'jobs' or 'steps'")
            return [], []
        return self.link_groups(groups, partial)

    def group(self, item: Map, index: int, variables: dict[str, Any]) -> _Group:
        name = item.get("stage")
        sid = text(name) if isinstance(name, (str, int, float)) and text(name) else f"stage{index + 1}"
        variables = {**variables, **self.static_variables(item.get("variables"))}
        reading, condition, where = self.reading(item, variables)
        depends: list[tuple[str, Span]] | None = None
        if "dependsOn" in item:
            depends = _depends(item)
        group = _Group(
            sid, item.span(), True, depends, reading, condition, where,
            manual=text(item.get("trigger")).lower() == "manual", guards=self.expander.guards.get(id(item), ()),
        )
        self.jobs(group, item.get("jobs"), variables)
        return group

    def reading(
        self, item: Map, variables: dict[str, Any], inherited: tuple[tuple[bool, str], ...] = ()
    ) -> tuple[azexpr.Reading, str, Span | None]:
        """The condition of a stage or job: its ``condition:`` and the undecided template
        guards it was inserted under (less those its stage already has)."""
        guards = tuple(g for g in self.expander.guards.get(id(item), ()) if g not in inherited)
        resolve = _resolver(variables)
        parts = [azexpr.read_condition(_guard_text(g), resolve, guard=True) for g in guards]
        texts = [f"${{{{ if {_guard_text(g)} }}}}" for g in guards]
        where = None
        if "condition" in item and item.get("condition") is not None:
            parts.insert(0, azexpr.read_condition(item["condition"], resolve))
            texts.insert(0, text(item["condition"]).strip())
            where = item.value_span("condition")
        elif guards:
            where = item.span()
        return azexpr.combine(*parts), " and ".join(texts), where

    def jobs(self, group: _Group, items: Any, variables: dict[str, Any], implicit: bool = False) -> None:
        if not isinstance(items, (list, Seq)):
            if items is not None:
                where = f"stage '{group.id}'" if group.explicit else "the pipeline"
                self.problem("parse-error", group.span, f"'jobs' of {where} must be a list of jobs")
            return
        seen: dict[str, int] = {}
        names: dict[str, list[str]] = {}
        raw: list[tuple[str, Map]] = []
        for index, item in enumerate(items):
            if not isinstance(item, Map):
                if isinstance(items, Seq) and item is not None and not (isinstance(item, str) and "${{" in item):
                    self.problem("parse-error", items.item_span(index), "a job must be a mapping")
                continue
            if "template" in item and not ({"job", "deployment"} & set(item)):
                continue
            kind = "deployment" if "deployment" in item else "job"
            if kind not in item and "steps" not in item and not implicit:
                self.problem("parse-error", item.span(), "a job needs 'job', 'deployment' or 'steps'")
                continue
            jid = text(item.get(kind)) if isinstance(item.get(kind), (str, int, float)) else ""
            jid = jid or "Job"
            seen[jid] = seen.get(jid, 0) + 1
            unique = jid if seen[jid] == 1 else f"{jid}~{seen[jid]}"
            sid = f"{group.id}/{unique}" if group.explicit else unique
            names.setdefault(jid, []).append(sid)
            raw.append((sid, item))
        partial = isinstance(items, Seq) and id(items) in self.expander.partial
        keys = {sid: f"{self.path}#{sid}" for sid, _ in raw}
        inner: dict[str, list[tuple[str, Span]]] = {}
        for sid, item in raw:
            deps = []
            for dep, span in _depends(item) if "dependsOn" in item else []:
                if dep not in names:
                    if not partial and "${{" not in dep and "$(" not in dep:
                        self.problem(
                            "unknown-dependency", span,
                            f"job '{sid}' depends on '{dep}', which is not a job of {_stage_label(group)}",
                            key=f"{sid}->{dep}",
                        )
                    continue
                deps.extend((target, span) for target in names[dep])
            inner[sid] = deps
        for sid, item in raw:
            stage = self.job(sid, item, group, variables, entry=not inner[sid])
            group.stages.append(stage)
        for sid, deps in inner.items():
            target = next(s for s in group.stages if s.id == sid)
            for source, span in deps:
                group.edges.append(Edge(keys[source], keys[sid], "order", span, requires_success=target.gates_on_success))
                check_edges(len(group.edges), span)
        depended = {source for deps in inner.values() for source, _ in deps}
        group.entries = [keys[sid] for sid, deps in inner.items() if not deps]
        group.exits = [keys[sid] for sid in inner if sid not in depended]

    def job(self, sid: str, item: Map, group: _Group, variables: dict[str, Any], entry: bool) -> Stage:
        deployment = "deployment" in item
        variables = {**variables, **self.static_variables(item.get("variables"))}
        reading, condition_text, condition_span = self.reading(item, variables, group.guards)
        when = reading.when
        if entry:
            # A job that waits for nothing in its stage starts when its stage starts: the
            # stage's condition gates it, its own status check has no job to look at.
            own = "on_failure" if reading.when == "on_failure" else "on_success"
            when = "manual" if group.manual else (group.reading.when if group.reading.when != "on_success" else own)
        merged = azexpr.combine(group.reading, reading)
        texts = [t for t in (group.condition_text, condition_text) if t]
        condition = Condition(
            text=" and ".join(texts),
            span=condition_span or group.condition_span,
            refs=tuple(sorted(merged.refs)) if merged.refs is not None else None,
            events=tuple(sorted(merged.events)) if merged.events is not None else None,
            exclude_events=tuple(sorted(merged.exclude_events)),
        )
        steps, produces, consumes, downloads = self.job_steps(item, deployment)
        facts: set[str] = set()
        strategy = None
        env = None
        if deployment:
            facts.add("deployment-job")
            env = self.environment(item, variables)
            value = item.get("strategy")
            if isinstance(value, Map):
                strategy = next((k for k in ("runOnce", "rolling", "canary") if k in value), None)
                if strategy in ("rolling", "canary"):
                    facts.add(f"strategy:{strategy}")
            if not downloads:
                # Deployment jobs download the artifacts of the current run, and of the
                # pipeline resources, before each lifecycle hook unless told `download: none`.
                consumes.append(Artifact("*", item.span()))
                consumes.extend(Artifact("*", item.span(), source) for source in sorted(set(self.resources.values())))
        elif isinstance(item.get("strategy"), Map) and isinstance(item["strategy"].get("matrix"), Map):
            strategy = "matrix"
        produces_, consumes_ = self.template_context(item.get("templateContext"))
        context = item.get("templateContext")
        if isinstance(context, Map) and text(context.get("isProduction")).lower() == "true" and env is None:
            # Microsoft's 1ES templates: a release job states that it ships to production.
            env = environment("production", context.value_span("isProduction"), tier="production", external_gates=True)
            facts.add("release-job")
        matrix = _matrix(item.get("strategy"))
        job_name = item.get("displayName")
        own = text(job_name) if isinstance(job_name, (str, int, float)) and text(job_name) else sid.rpartition("/")[2]
        name = f"{group.id}/{own}" if group.explicit else own
        template = item.path if item.path != self.path else self.expander.origins.get(id(item))
        if template is None and matrix:
            template = f"{self.path}#matrix:{sid}"
        stage = Stage(
            id=sid.rpartition("/")[2],
            name=own,
            pipeline=self.path,
            span=item.span(),
            group=group.id if group.explicit else None,
            steps=tuple(steps),
            environment=env,
            when=when,
            allow_failure=item.get("continueOnError") is True or text(item.get("continueOnError")).lower() == "true",
            condition=condition,
            services=tuple(self.services(item.get("services"))),
            image=self.container(item.get("container")),
            produces=tuple(produces + produces_),
            consumes=tuple(consumes + consumes_),
            matrix=matrix,
            strategy=strategy,
            template=template,
            facts=frozenset(facts),
            variables=tuple(
                (key, text(value), item.span()) for key, value in variables.items()
                if isinstance(value, (str, int, float)) and not isinstance(value, bool)
            ),
        )
        return replace(stage, id=sid, name=name)

    def job_steps(self, item: Map, deployment: bool) -> tuple[list[Step], list[Artifact], list[Artifact], bool]:
        steps: list[Step] = []
        produces: list[Artifact] = []
        consumes: list[Artifact] = []
        downloads = False
        if not deployment:
            downloads = self.steps(item.get("steps"), "on_success", steps, produces, consumes, item.path)
            return steps, produces, consumes, downloads
        strategy = item.get("strategy")
        kinds = ("runOnce", "rolling", "canary")
        hooks = next((strategy[k] for k in kinds if isinstance(strategy.get(k), Map)), None) if isinstance(strategy, Map) else None
        if hooks is None:
            return steps, produces, consumes, downloads
        for hook in _HOOKS:
            if isinstance(hooks.get(hook), Map):
                downloads |= self.steps(hooks[hook].get("steps"), "on_success", steps, produces, consumes, item.path)
        on = hooks.get("on")
        if isinstance(on, Map):
            for hook, when in (("failure", "on_failure"), ("success", "on_success")):
                if isinstance(on.get(hook), Map):
                    downloads |= self.steps(on[hook].get("steps"), when, steps, produces, consumes, item.path)
        return steps, produces, consumes, downloads

    def steps(
        self, items: Any, when: str, steps: list[Step], produces: list[Artifact], consumes: list[Artifact], home: str
    ) -> bool:
        """Read a steps list; True when it has an explicit download step. Steps written in
        another file than their job (``home``) name it as their origin."""
        downloads = False
        if not isinstance(items, (list, Seq)):
            return downloads
        for index, raw in enumerate(items):
            if not isinstance(raw, Map):
                if isinstance(items, Seq) and raw is not None and not (isinstance(raw, str) and "${{" in raw):
                    self.problem("parse-error", items.item_span(index), "a step must be a mapping")
                continue
            kind = next((k for k in _STEP_KINDS if k in raw), None)
            if kind is None:
                message = "a step needs 'script', 'bash', 'pwsh', 'powershell', 'task' or another step keyword"
                self.problem("parse-error", raw.span(), message)
                continue
            if raw.get("enabled") is False or text(raw.get("enabled")).lower() == "false":
                continue
            if kind == "template":
                # A template the expander could not read (remote, computed or missing): kept
                # as a step that runs it, so what its name says is known.
                if isinstance(raw.get("template"), str):
                    steps.append(make_step(raw.span(), uses=raw["template"].strip(), origin=raw.span().path if raw.span().path != home else None))
                continue
            span = raw.span()
            name = raw.get("displayName", raw.get("name"))
            label = text(name) if isinstance(name, (str, int, float)) else ""
            step_when = when
            if raw.get("condition") is not None:
                reading = azexpr.read_condition(raw["condition"])
                if reading.events == frozenset():
                    continue  # `condition: false`, often a template parameter turned off
                step_when = reading.when if when == "on_success" else when
            allow = raw.get("continueOnError") is True or text(raw.get("continueOnError")).lower() == "true"
            common = {"name": label, "allow_failure": allow, "when": step_when, "origin": span.path if span.path != home else None}
            value = raw[kind]
            if kind in ("script", "bash", "pwsh", "powershell"):
                steps.append(make_step(span, run=text(value), **common))
                continue
            if kind == "task":
                task, _, version = text(value).partition("@")
                inputs = raw.get("inputs")
                pairs = [(text(k), _input(v)) for k, v in inputs.items()] if isinstance(inputs, Map) else []
                steps.append(make_step(span, uses=task, version=version or None, inputs=pairs, **common))
                artifact = self.task_artifact(task.lower(), {k.lower(): v for k, v in pairs}, raw.value_span("task"))
                if artifact is not None:
                    (produces if artifact[0] == "produces" else consumes).append(artifact[1])
                    downloads |= artifact[0] == "consumes"
                continue
            where = raw.value_span(kind)
            if kind in ("publish", "upload"):
                artifact = text(raw.get("artifact")) or "drop"
                inputs = [("targetPath", text(value)), ("artifact", artifact)]
                steps.append(make_step(span, uses="PublishPipelineArtifact", inputs=inputs, **common))
                produces.append(Artifact(artifact, where))
            elif kind in ("download", "downloadBuild"):
                downloads = True
                source = text(value)
                if source.lower() == "none":
                    continue
                wanted = text(raw.get("artifact")) or "*"
                origin = None if source.lower() == "current" else self.resources.get(source, source)
                inputs = [("source", source), ("artifact", wanted)]
                steps.append(make_step(span, uses="DownloadPipelineArtifact", inputs=inputs, **common))
                consumes.append(Artifact(wanted, where, origin))
            else:
                steps.append(make_step(span, uses=kind, inputs=[(kind, text(value))], **common))
        return downloads

    def task_artifact(self, task: str, inputs: dict[str, str], span: Span) -> tuple[str, Artifact] | None:
        if task in ("publishpipelineartifact", "1es.publishpipelineartifact"):
            return "produces", Artifact(inputs.get("artifact") or inputs.get("artifactname") or "drop", span)
        if task in ("publishbuildartifacts", "1es.publishbuildartifacts"):
            return "produces", Artifact(inputs.get("artifactname") or "drop", span)
        if task in ("downloadpipelineartifact", "downloadbuildartifacts", "1es.downloadpipelineartifact"):
            name = inputs.get("artifact") or inputs.get("artifactname") or "*"
            kind = (inputs.get("source") or inputs.get("buildtype") or "current").lower()
            source = None
            if kind == "specific":
                source = inputs.get("pipeline") or inputs.get("definition") or "other-run"
                source = self.resources.get(source, source)
            elif kind not in ("current", ""):
                source = self.resources.get(inputs.get("pipeline", ""), "other-run")
            return "consumes", Artifact(name, span, source)
        return None

    def template_context(self, value: Any) -> tuple[list[Artifact], list[Artifact]]:
        """Artifacts declared the 1ES way (``templateContext.outputs``/``inputs``)."""
        produces: list[Artifact] = []
        consumes: list[Artifact] = []
        if not isinstance(value, Map):
            return produces, consumes
        for key, target, kind in (("outputs", produces, "output"), ("inputs", consumes, "input")):
            items = value.get(key)
            for item in items if isinstance(items, Seq) else ():
                if isinstance(item, Map) and text(item.get(kind)).lower() in ("pipelineartifact", "buildartifacts"):
                    name = text(item.get("artifactName") or item.get("artifact")) or ("drop" if kind == "output" else "*")
                    alias = text(item.get("pipeline")) if kind == "input" and item.get("pipeline") else None
                    target.append(Artifact(name, item.span(), self.resources.get(alias, alias) if alias else None))
        return produces, consumes

    def environment(self, item: Map, variables: dict[str, Any]) -> Environment | None:
        value = item.get("environment")
        span = item.value_span("environment")
        if isinstance(value, Map):
            span = value.value_span("name") if "name" in value else span
            value = value.get("name")
        if not isinstance(value, (str, int, float)) or not text(value).strip():
            return None
        name = _resolve_macros(text(value).strip(), variables)
        if "${{" not in name and "$(" not in name:
            name = name.partition(".")[0]  # `environment: name.resource` targets one resource of it
        return environment(name, span, external_gates=True, candidates=tuple(self.candidates(name)))

    def candidates(self, name: str) -> list[str]:
        """Names an environment can have when it is a parameter a person picks."""
        match = azexpr.TEMPLATE.search(name)
        if not match:
            return []
        choices = self.choices.get(match[1].strip(), ())
        return [name.replace(match[0], c) for c in choices]

    def services(self, value: Any) -> list[str]:
        if not isinstance(value, Map):
            return []
        return [self.containers.get(text(v), text(v)) if isinstance(v, (str, int)) else text(k) for k, v in value.items()]

    def container(self, value: Any) -> str | None:
        if isinstance(value, Map):
            value = value.get("image")
        if not isinstance(value, (str, int, float)) or not text(value):
            return None
        return self.containers.get(text(value), text(value))

    def link_groups(self, groups: list[_Group], partial: bool) -> tuple[list[Stage], list[Edge]]:
        stages = [s for g in groups for s in g.stages]
        edges = [e for g in groups for e in g.edges]
        by_name: dict[str, list[_Group]] = {}
        seen: dict[str, int] = {}
        for g in groups:
            seen[g.id] = seen.get(g.id, 0) + 1
            by_name.setdefault(g.id, []).append(g)
        for index, g in enumerate(groups):
            if g.depends is None:
                # Azure: a stage without dependsOn depends on the stage before it.
                sources = [(p, g.span) for p in _previous(groups, index)]
            else:
                sources = []
                for name, span in g.depends:
                    if name not in by_name:
                        if not partial and "${{" not in name and "$(" not in name:
                            self.problem(
                                "unknown-dependency", span,
                                f"stage '{g.id}' depends on '{name}', which is not a stage of this pipeline",
                                key=f"{g.id}->{name}",
                            )
                        continue
                    sources.extend((s, span) for s in by_name[name])
            gated = g.reading.when == "on_success" or g.manual
            for source, span in sources:
                for exit_ in source.exits:
                    for entry in g.entries:
                        edges.append(Edge(exit_, entry, "order", span, requires_success=gated))
                    check_edges(len(edges), span)
        return stages, edges


# --- helpers --------------------------------------------------------------------------


def _previous(groups: list[_Group], index: int) -> list[_Group]:
    """The stages a stage without ``dependsOn`` follows: the one before it, or, when that one
    was inserted by an undecided ``${{ if }}``, each alternative that can precede it."""
    found: list[_Group] = []
    for earlier in reversed(groups[:index]):
        if _exclusive(earlier.guards, groups[index].guards):
            continue
        if any(not _exclusive(earlier.guards, f.guards) for f in found):
            break
        found.append(earlier)
        if not earlier.guards:
            break
    return found


def _repository_root(path: str, workspace: Workspace) -> str:
    """Where a template path starting with '/' resolves: the pipeline's repository (the
    nearest directory with a ``.git``), else the scanned root."""
    directory = posixpath.dirname(path)
    while directory:
        if workspace.root is not None and (workspace.is_dir(directory + "/.git") or workspace.exists(directory + "/.git")):
            return directory
        directory = posixpath.dirname(directory)
    return ""


def _guard_text(guard: tuple[bool, str]) -> str:
    positive, expr = guard
    return expr if positive else f"not({expr})"


def _exclusive(a: tuple[tuple[bool, str], ...], b: tuple[tuple[bool, str], ...]) -> bool:
    """Whether two sets of template guards can never hold together (if / else branches)."""
    return any((not positive, expr) in b for positive, expr in a)


def _is_none(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "none")


def _coerce(value: Any, kind: str) -> Any:
    """A parameter value as its declared type makes it (YAML scalars are text otherwise)."""
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    value = azexpr.plain(value)
    if isinstance(value, str):
        if kind == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if kind == "number":
            try:
                return float(value) if "." in value else int(value)
            except ValueError:
                return value
    return value


def _input(value: Any) -> str:
    if isinstance(value, (Map, Seq, dict, list)):
        return ""
    return text(value)


def _inputs(declared: Any) -> list[Input]:
    found = []
    if isinstance(declared, Seq):
        for spec in declared:
            if not isinstance(spec, Map) or not isinstance(spec.get("name"), (str, int)):
                continue
            values = spec.get("values")
            default = spec.get("default")
            found.append(Input(
                name=text(spec["name"]),
                span=spec.value_span("name"),
                type=text(spec.get("type") or "string").lower(),
                choices=tuple(text(v) for v in values if not isinstance(v, (Map, Seq))) if isinstance(values, Seq) else (),
                default=None if default is None or isinstance(default, (Map, Seq)) else text(default),
            ))
    elif isinstance(declared, Map):
        for name, default in declared.items():
            value = None if isinstance(default, (Map, Seq)) else text(default)
            found.append(Input(text(name), declared.key_span(name), default=value))
    return found


def _filters(value: Any) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """Branch filters as (include, exclude); include None means any branch."""
    if value is None:
        return None, ()
    if isinstance(value, Map):
        include = _strings(value.get("include")) if "include" in value else None
        exclude = _strings(value.get("exclude"))
        if include is None and exclude:
            include = ()
        return (tuple(_branch(b) for b in include) if include is not None else None), tuple(_branch(b) for b in exclude)
    strings = _strings(value)
    return tuple(_branch(b) for b in strings), ()


def _branch(pattern: str) -> str:
    return pattern[len("refs/heads/"):] if pattern.startswith("refs/heads/") else pattern


def _paths(value: Any) -> tuple[str, ...]:
    if isinstance(value, Map) and isinstance(value.get("paths"), Map):
        return _strings(value["paths"].get("include"))
    return ()


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, Seq)):
        return tuple(text(v) for v in value if not isinstance(v, (Map, Seq, dict, list)) and text(v))
    if isinstance(value, (Map, dict)):
        return ()
    return (text(value),) if text(value) else ()


def _depends(item: Map) -> list[tuple[str, Span]]:
    value = item.get("dependsOn")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [(text(value), item.value_span("dependsOn"))] if text(value) else []
    if isinstance(value, Seq):
        return [(text(v), value.item_span(i)) for i, v in enumerate(value) if isinstance(v, (str, int)) and text(v)]
    if isinstance(value, list):
        return [(text(v), item.value_span("dependsOn")) for v in value if isinstance(v, (str, int)) and text(v)]
    return []


def _stage_label(group: _Group) -> str:
    return f"stage '{group.id}'" if group.explicit else "this pipeline"


def _resolver(variables: dict[str, Any]):
    def resolve(name: str) -> Any:
        return variables.get(name.lower())

    return resolve


def _resolve_macros(value: str, variables: dict[str, Any]) -> str:
    """``$(name)`` macros replaced by the static variables they name (a few rounds)."""
    for _ in range(5):
        if "$(" not in value:
            return value

        def substitute(match: re.Match) -> str:
            found = variables.get(match[1].lower())
            return text(found) if isinstance(found, (str, int, float)) and "$[" not in text(found) else match[0]

        updated = _MACRO.sub(substitute, value)
        if updated == value:
            return value
        value = updated
    return value


def _matrix(strategy: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(strategy, Map) or not isinstance(strategy.get("matrix"), Map):
        return ()
    axes: dict[str, list[str]] = {}
    for config, values in strategy["matrix"].items():
        axes.setdefault("*", []).append(text(config))
        if isinstance(values, Map):
            for key, value in values.items():
                if not isinstance(value, (Map, Seq)):
                    found = axes.setdefault(text(key), [])
                    if text(value) not in found:
                        found.append(text(value))
    return tuple((k, tuple(v)) for k, v in axes.items())
