"""Composing a GitLab CI configuration before it is analysed, the way GitLab does.

1. ``include``: every included file is composed first (its own includes
   merged before its content), the included files are deep-merged in order,
   and the including file's own content is merged over them.
2. ``extends``: each job is its templates deep-merged in order (later ones
   win), with the job's own keys merged over them.
3. ``!reference [job, key, ...]`` tags are replaced by what they point at in
   the extended configuration.
4. ``default:`` (and the deprecated top-level ``image``, ``services``,
   ``before_script``, ``after_script``, ``cache``) fill the keys a job does not
   set, and global ``variables`` are merged under the job's, as far as
   ``inherit:`` lets them.

GitLab's deep merge merges mappings key by key at any depth; anything else
(lists, scalars) is replaced. Merged mappings are :class:`Node`\\ s: they
remember, for every key, the file and line where it was written, so spans
point into included and template files.

Loaded values may be shared (aliases, templates): nothing here mutates them;
every merge builds new mappings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cdlint.errors import ParseError
from cdlint.model import Problem, Reference, Span
from cdlint.parsers.common import text
from cdlint.workspace import Workspace
from cdlint.yamlload import Document, Map, Seq

MAX_INCLUDES = 150  # GitLab's default limit of includes per pipeline
MAX_EXTENDS_DEPTH = 11  # GitLab: "extends" nests at most 11 levels
MAX_REFERENCE_DEPTH = 10  # GitLab: "!reference" tags nest at most 10 levels
MAX_REFERENCE_EXPANSIONS = 20_000
MAX_LIST_DEPTH = 10  # GitLab flattens nested script and rules lists this deep

# Top-level keys that are not jobs.
GLOBAL_KEYS = frozenset(
    {"default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script",
     "after_script", "spec", "types"}
)
DEFAULT_KEYS = ("after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image",
                "interruptible", "retry", "services", "tags", "timeout")
LEGACY_DEFAULT_KEYS = ("image", "services", "cache", "before_script", "after_script")


class Node(Map):
    """A mapping built by merging: each key keeps the file it was written in and the
    template (``extends`` target or ``default``) it came from."""

    __slots__ = ("key_paths", "origins")

    def key_span(self, key: Any) -> Span:
        line, column = self.keys_at.get(key, (self.line, self.column))
        return Span(self.key_paths.get(key, self.path), line, column)

    def value_span(self, key: Any) -> Span:
        line, column = self.values_at.get(key, (self.line, self.column))
        return Span(self.key_paths.get(key, self.path), line, column)


def _node_at(source: Map) -> Node:
    node = Node()
    node.path, node.line, node.column, node.tag = source.path, source.line, source.column, None
    node.keys_at, node.values_at, node.key_paths, node.origins = {}, {}, {}, {}
    return node


def key_path(source: Map, key: Any) -> str:
    return source.key_paths.get(key, source.path) if isinstance(source, Node) else source.path


def origin(source: Map, key: Any) -> str | None:
    return source.origins.get(key) if isinstance(source, Node) else None


def _put(node: Node, key: Any, value: Any, source: Map, template: str | None = None) -> None:
    node[key] = value
    node.keys_at[key] = source.keys_at.get(key, (source.line, source.column))
    node.values_at[key] = source.values_at.get(key, (source.line, source.column))
    node.key_paths[key] = key_path(source, key)
    node.origins[key] = origin(source, key) or template


def deep_merge(base: Map, over: Map, template: str | None = None) -> Node:
    """``over`` deep-merged onto ``base`` (GitLab's merge: mappings merge, the rest is
    replaced), positioned where ``over`` is. Keys that come from ``over`` are
    attributed to ``template`` unless they already name one."""
    node = _node_at(over)
    for key, value in base.items():
        if key in over:
            mine = over[key]
            if isinstance(value, Map) and isinstance(mine, Map):
                _put(node, key, deep_merge(value, mine, origin(over, key) or template), over, template)
            else:
                _put(node, key, mine, over, template)
        else:
            _put(node, key, value, base)
    for key, value in over.items():
        if key not in base:
            _put(node, key, value, over, template)
    return node


def attributed(source: Map, template: str) -> Node:
    """``source`` with every key not yet attributed to a template attributed to ``template``."""
    node = _node_at(source)
    for key, value in source.items():
        _put(node, key, value, source, template)
    return node


def without(source: Map, *keys: Any) -> Map:
    if not any(k in source for k in keys):
        return source
    node = _node_at(source)
    for key, value in source.items():
        if key not in keys:
            _put(node, key, value, source)
    return node


def _seq_like(like: Seq, items: list, positions: list[tuple[int, int]]) -> Seq:
    seq = Seq(items)
    seq.path, seq.line, seq.column, seq.tag, seq.items_at = like.path, like.line, like.column, None, positions
    return seq


def flatten(value: Any, span: Span, depth: int = 0) -> Iterator[tuple[Any, Span]]:
    """Items of a list with nested lists (from anchors and ``!reference``) flattened, each with
    where it is written; a single value is a list of one."""
    if isinstance(value, Seq) and value.tag is None:
        for index, item in enumerate(value):
            if isinstance(item, Seq) and item.tag is None and depth < MAX_LIST_DEPTH:
                yield from flatten(item, value.item_span(index), depth + 1)
            elif item is not None:
                yield item, value.item_span(index)
    elif value is not None:
        yield value, span


def content(document: Document) -> Any:
    """The configuration of a file: the document after a ``spec:`` header, if it has one."""
    values = document.values
    if len(values) >= 2 and isinstance(values[0], Map) and set(values[0]) == {"spec"}:
        return values[1]
    return document.value


@dataclass
class Composed:
    """A configuration after composition: its global keys, its jobs (templates included),
    and what composing it found."""

    config: Map
    jobs: dict[str, Map]
    spans: dict[str, Span]
    extends: dict[str, tuple[str, ...]]
    files: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every included file was read (else missing names may live in the unread ones)."""
        return _complete(self.references)


def _complete(references: list[Reference]) -> bool:
    return not any(r.kind in ("include", "component") for r in references)


class Composer:
    """Composes one pipeline file whose repository root is ``root`` (root-relative, '' for the scanned root)."""

    def __init__(self, path: str, root: str, workspace: Workspace) -> None:
        self.path = path
        self.root = root
        self.workspace = workspace
        self.problems: list[Problem] = []
        self.references: list[Reference] = []
        self.files: set[str] = {path}
        self.included: set[str] = set()
        self.count = 0
        self.expansions = 0
        # The mappings and lists found to hold no ``!reference``, by identity (kept here so
        # that an identity is never reused meanwhile).
        self.clean: dict[int, Any] = {}

    def problem(self, span: Span, message: str, rule: str = "parse-error", key: str = "") -> None:
        self.problems.append(Problem(rule, span, message, key))

    def compose(self, data: Map) -> Composed:
        merged = self._file(data, (self.path,))
        complete = _complete(self.references)
        jobs, extends = self._extend(merged, complete)
        spans = {text(k): merged.key_span(k) for k in merged if k not in GLOBAL_KEYS}
        jobs = {name: self._resolve(job, jobs, merged, complete) for name, job in jobs.items()}
        config = _node_at(merged)
        for key, value in merged.items():
            if key in GLOBAL_KEYS:
                _put(config, key, self._resolve(value, jobs, merged, complete), merged)
        jobs = {name: self._defaults(job, config) if not name.startswith(".") else job for name, job in jobs.items()}
        return Composed(config, jobs, spans, extends, self.files, self.problems, self.references)

    # --- include ----------------------------------------------------------------

    def _file(self, data: Map, stack: tuple[str, ...]) -> Map:
        base: Map | None = None
        for target, span in self._includes(data):
            if target in stack:
                chain = " -> ".join((*stack[stack.index(target):], target))
                self.problem(span, f"include '{target}' includes itself (cycle {chain})")
                continue
            if target in self.included:
                continue  # GitLab ignores a file included a second time
            if len(stack) > self.workspace.max_include_depth:
                self.problem(span, f"includes nested deeper than {self.workspace.max_include_depth} levels")
                continue
            self.count += 1
            if self.count > MAX_INCLUDES:
                if self.count == MAX_INCLUDES + 1:
                    self.problem(span, f"more than {MAX_INCLUDES} included files")
                continue
            self.included.add(target)
            try:
                document = self.workspace.load_yaml(target, span)
            except ParseError as e:
                self.problem(e.span, e.message)
                continue
            self.files.add(target)
            self.problems.extend(Problem("parse-error", e.span, e.message) for e in document.problems)
            value = content(document)
            if value is None:
                continue
            if not isinstance(value, Map):
                self.problem(span, f"included file '{target}' must be a mapping of jobs and keywords")
                continue
            composed = self._file(value, (*stack, target))
            base = composed if base is None else deep_merge(base, composed)
        own = without(data, "include")
        return own if base is None else deep_merge(base, own)

    def _includes(self, data: Map) -> Iterator[tuple[str, Span]]:
        """Root-relative paths of the local files ``data`` includes, in order; other
        includes are recorded as references."""
        if "include" not in data:
            return
        value = data["include"]
        entries: list[tuple[Any, Span]]
        if isinstance(value, Seq) and value.tag is None:
            entries = list(flatten(value, data.value_span("include")))
        else:
            entries = [(value, data.value_span("include"))]
        for entry, span in entries:
            if isinstance(entry, str):
                if entry.startswith(("http://", "https://")):
                    self.references.append(Reference("include", entry, span, "remote file is not fetched"))
                else:
                    yield from self._local(entry, span)
            elif isinstance(entry, Map):
                yield from self._entry(entry, span)
            else:
                self.problem(span, "an include must be a path or a mapping such as {local: path}")

    def _entry(self, entry: Map, span: Span) -> Iterator[tuple[str, Span]]:
        if "local" in entry:
            local = entry["local"]
            if isinstance(local, str):
                yield from self._local(local, entry.value_span("local"))
            else:
                self.problem(entry.value_span("local"), "'include: local' must be a path")
        elif "remote" in entry:
            self.references.append(Reference("include", text(entry["remote"]), entry.value_span("remote"), "remote file is not fetched"))
        elif "template" in entry:
            self.references.append(
                Reference("include", text(entry["template"]), entry.value_span("template"), "GitLab template is not read")
            )
        elif "component" in entry:
            self.references.append(
                Reference("component", text(entry["component"]), entry.value_span("component"), "CI/CD component is not fetched")
            )
        elif "project" in entry:
            # Another project's file, unless it names this repository, which the file
            # alone cannot tell: recorded, not read.
            project = text(entry["project"])
            ref = entry.get("ref")
            files = entry.get("file")
            names = [text(f) for f, _ in flatten(files, entry.value_span("file"))] if files is not None else [""]
            for name in names:
                target = f"{project}:{name}" + (f"@{text(ref)}" if ref is not None else "")
                self.references.append(Reference("include", target, entry.value_span("project"), "file of another project is not fetched"))
        else:
            self.problem(span, "an include needs 'local', 'remote', 'template', 'project' or 'component'")

    def _local(self, path: str, span: Span) -> Iterator[tuple[str, Span]]:
        if "$" in path:
            self.references.append(Reference("include", path, span, "path depends on CI/CD variables"))
            return
        # GitLab reads local includes relative to the repository root, wherever the including file is.
        joined = (self.root + "/" if self.root else "") + path.lstrip("/")
        target = self.workspace.normalize(joined)
        if target is None or (self.root and target != self.root and not target.startswith(self.root + "/")):
            self.problem(span, f"include '{path}' is outside the repository")
            return
        if self.workspace.root is None:
            self.references.append(Reference("include", path, span, "no directory to read it from"))
            return
        if any(c in target for c in "*?["):
            found = [f for f in self.workspace.glob(target) if f.endswith((".yml", ".yaml"))]
            if not found:
                self.problem(span, f"include '{path}' matches no file")
            for match in found:
                yield match, span
            return
        if not self.workspace.exists(target):
            self.problem(span, f"included file '{path}' does not exist")
            return
        yield target, span

    # --- extends -----------------------------------------------------------------

    def _extend(self, config: Map, complete: bool) -> tuple[dict[str, Map], dict[str, tuple[str, ...]]]:
        raw = {text(k): v for k, v in config.items() if k not in GLOBAL_KEYS}
        for key, value in config.items():
            if key not in GLOBAL_KEYS and not isinstance(value, Map) and not text(key).startswith("."):
                self.problem(config.key_span(key), f"job '{text(key)}' must be a mapping")
        jobs = {name: value for name, value in raw.items() if isinstance(value, Map)}
        done: dict[str, Map] = {}
        extends: dict[str, tuple[str, ...]] = {}

        def resolve(name: str, chain: tuple[str, ...]) -> Map:
            if name in done:
                return done[name]
            job = jobs[name]
            if "extends" not in job:
                done[name] = job
                return job
            value = job["extends"]
            bases = [(b, s) for b, s in flatten(value, job.value_span("extends")) if isinstance(b, (str, int, float))]
            if len(bases) != len(list(flatten(value, job.value_span("extends")))):
                self.problem(job.value_span("extends"), f"'extends' of '{name}' must name jobs or templates")
            extends[name] = tuple(text(b) for b, _ in bases)
            merged: Map | None = None
            for base_name, span in bases:
                base_name = text(base_name)
                if base_name in chain:
                    cycle = " -> ".join((*chain[chain.index(base_name):], base_name))
                    self.problem(span, f"'{name}' extends '{base_name}', which extends it (cycle {cycle})")
                    continue
                if base_name not in jobs:
                    if complete:
                        self.problem(span, f"'{name}' extends '{base_name}', which is not defined")
                    continue
                if len(chain) > MAX_EXTENDS_DEPTH:
                    self.problem(span, f"'extends' nested deeper than {MAX_EXTENDS_DEPTH} levels")
                    continue
                base = attributed(resolve(base_name, (*chain, base_name)), base_name)
                merged = base if merged is None else deep_merge(merged, base)
            own = without(job, "extends")
            done[name] = own if merged is None else deep_merge(merged, own)
            return done[name]

        return {name: resolve(name, (name,)) for name in jobs}, extends

    # --- !reference ---------------------------------------------------------------

    def _resolve(self, value: Any, jobs: dict[str, Map], config: Map, complete: bool, depth: int = 0) -> Any:
        """``value`` with its ``!reference`` tags replaced (None where a reference could not be resolved)."""
        if id(value) in self.clean:
            return value
        resolved = self._resolve_once(value, jobs, config, complete, depth)
        if resolved is value and isinstance(value, (Map, Seq)):
            # Nothing in it refers elsewhere: the jobs that share it (the variables of a
            # template that thousands of jobs extend) need not walk it again.
            self.clean[id(value)] = value
        return resolved

    def _resolve_once(self, value: Any, jobs: dict[str, Map], config: Map, complete: bool, depth: int) -> Any:
        if isinstance(value, Seq):
            if value.tag == "!reference":
                return self._reference(value, jobs, config, complete, depth)
            items, positions, changed = [], [], False
            for index, item in enumerate(value):
                resolved = self._resolve(item, jobs, config, complete, depth)
                changed = changed or resolved is not item
                if resolved is None and item is not None:
                    continue
                items.append(resolved)
                positions.append(value.items_at[index] if index < len(value.items_at) else (value.line, value.column))
            return _seq_like(value, items, positions) if changed else value
        if isinstance(value, Map):
            resolved_items = {k: self._resolve(v, jobs, config, complete, depth) for k, v in value.items()}
            if all(resolved_items[k] is value[k] for k in value):
                return value
            node = _node_at(value)
            for key in value:
                _put(node, key, resolved_items[key], value)
            return node
        return value

    def _reference(self, tag: Seq, jobs: dict[str, Map], config: Map, complete: bool, depth: int) -> Any:
        path = [text(p) for p in tag if isinstance(p, (str, int, float))]
        where = tag.span()
        shown = "!reference [" + ", ".join(path) + "]"
        if not path or len(path) != len(tag):
            self.problem(where, f"{shown} must list a job and keys")
            return None
        self.expansions += 1
        if depth >= MAX_REFERENCE_DEPTH or self.expansions > MAX_REFERENCE_EXPANSIONS:
            self.problem(where, f"{shown} nests deeper than {MAX_REFERENCE_DEPTH} levels or expands too often")
            return None
        target: Any = jobs.get(path[0], config.get(path[0]) if path[0] in GLOBAL_KEYS else None)
        for key in path[1:]:
            target = target.get(key) if isinstance(target, Map) else None
        if target is None:
            if complete:
                self.problem(where, f"{shown} points at nothing")
            return None
        return self._resolve(target, jobs, config, complete, depth + 1)

    # --- default and inherit ------------------------------------------------------

    def _defaults(self, job: Map, config: Map) -> Map:
        inherit = job.get("inherit") if isinstance(job.get("inherit"), Map) else {}
        defaults = config.get("default") if isinstance(config.get("default"), Map) else None
        wanted_defaults = _inherited(inherit.get("default", True))
        extra: list[tuple[str, Any, Map]] = []
        for key in DEFAULT_KEYS:
            if key in job or not _wants(wanted_defaults, key):
                continue
            if defaults is not None and key in defaults:
                extra.append((key, defaults[key], defaults))
            elif key in LEGACY_DEFAULT_KEYS and key in config:
                extra.append((key, config[key], config))
        globals_ = config.get("variables") if isinstance(config.get("variables"), Map) else None
        wanted_variables = _inherited(inherit.get("variables", True))
        if not extra and not (globals_ and wanted_variables):
            return job
        node = _node_at(job)
        for key, value in job.items():
            _put(node, key, value, job)
        for key, value, source in extra:
            _put(node, key, value, source, "default")
        if globals_ and wanted_variables:
            inherited = globals_ if wanted_variables is True else _only_keys(globals_, wanted_variables)
            own = job.get("variables")
            if isinstance(own, Map):
                node["variables"] = deep_merge(inherited, own)
            elif "variables" not in job:
                _put(node, "variables", inherited, config, "default")
        return node


def _wants(inherited: bool | set[str], key: str) -> bool:
    return inherited is True or (isinstance(inherited, set) and key in inherited)


def _inherited(value: Any) -> bool | set[str]:
    if isinstance(value, Seq):
        return {text(v) for v in value}
    return value is not False


def _only_keys(source: Map, keys: set[str]) -> Node:
    node = _node_at(source)
    for key, value in source.items():
        if text(key) in keys:
            _put(node, key, value, source)
    return node
