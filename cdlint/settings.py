"""The settings of a run, built in one place for every command (check, maturity, graph)
from one configuration and the command line.

The command line says what it was asked (:class:`Options`); :func:`resolve` finds the
targets and each repository's configuration (``--config FILE``, else the one at the
repository's root, else the defaults) and merges them with the command line, which wins,
into the engine's :class:`~cdlint.engine.Settings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from cdlint.config import Config
from cdlint.engine import Settings
from cdlint.targets import Target, stdin_target, targets
from cdlint.errors import ConfigError
from cdlint.finding import SEVERITIES
from cdlint.rule import Rule, load_rules
from cdlint.values import value


@value
class Options:
    """What the command line asked for; empty values leave the configuration's in force.
    ``select`` and ``ignore`` name rule ids or practices. ``repo_config`` False: the
    repositories' own configuration files are not read (``--no-repo-config``)."""

    config_file: str | None = None
    platform: str | None = None
    production_env: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_severity: str | None = None
    require_reason: bool = False
    no_ignores: bool = False
    baseline_file: str | None = None
    use_baseline: bool = True
    stdin_filename: str = "stdin"
    debug: bool = False
    repo_config: bool = True


@value
class Resolved:
    """A run ready to go: the targets, the configuration read, and the engine's settings."""

    targets: list[Target]
    config: Config
    settings: Settings


def resolve(
    paths: Sequence[str], options: Options, registry: Mapping[str, Rule] | None = None, stdin: bytes | None = None,
    own_roots: bool = False,
) -> Resolved:
    """The targets under ``paths`` (or the pipeline ``stdin``, named ``options.stdin_filename``)
    and the settings to analyse them with. Each repository is analysed with its own
    configuration (``--config`` for all of them); the run's (its format, fail-on and
    baseline) is the first path's."""
    registry = load_rules() if registry is None else registry
    loaded: dict[Path | None, Config] = {}

    def config_at(root: Path) -> Config:
        from cdlint import config

        if options.config_file:
            path, within = options.config_file, None
        else:
            path, within = (config.find([root]) if options.repo_config else None), root
        key = Path(path).resolve() if path else None
        if key not in loaded:
            loaded[key] = config.load(path, registry, within) if path else config.Config()
        return loaded[key]

    def exclude_of(root: Path) -> tuple[str, ...]:
        return config_at(root).exclude

    if stdin is not None:
        found = [stdin_target(options.stdin_filename, stdin, options.platform, exclude_of=exclude_of)]
    else:
        found = targets(list(paths) or ["."], options.platform, exclude_of=exclude_of, own_roots=own_roots)
    config = config_at(found[0].root)
    baseline = None
    baseline_file = options.baseline_file or config.baseline
    if options.use_baseline and baseline_file:
        from cdlint.baseline import load

        baseline = load(baseline_file)
    settings = configured(config, options, registry, baseline)
    per_config: dict[int, Settings] = {id(config): settings}
    for index, target in enumerate(found):
        own = config_at(target.root)
        if id(own) not in per_config:
            per_config[id(own)] = configured(own, options, registry, baseline)
        if own is not config:
            found[index] = replace(target, settings=per_config[id(own)])
    return Resolved(found, config, settings)


def configured(config: Config, options: Options, registry: Mapping[str, Rule], baseline: Mapping[str, int] | None) -> Settings:
    """The engine's settings from one configuration and the command line (which wins)."""
    return Settings(
        rules=select_rules(registry, config, options.select, options.ignore),
        severities=config.severities(),
        options=config.options(),
        tiers=tiers(options.production_env, config.tiers()),
        signals=config.signals,
        platform=options.platform,
        debug=options.debug,
        exclude=config.exclude,
        ignores=not options.no_ignores,
        require_reason=options.require_reason or config.require_reason,
        baseline=baseline,
        min_severity=options.min_severity,
    )


def load_config(config_file: str | None, roots: Sequence[Path], registry: Mapping[str, Rule],
                repo_config: bool = True) -> Config:
    """``--config FILE``, else the configuration found at the scanned roots (unless
    ``repo_config`` is False), else the defaults."""
    from cdlint import config

    if config_file:
        return config.load(config_file, registry)
    path = config.find(roots) if repo_config else None
    return config.load(path, registry, path.parent) if path else config.Config()


def select_rules(registry: Mapping[str, Rule], config: Config, select: Sequence[str], ignore: Sequence[str]) -> dict[str, Rule]:
    """The rules that run: those the configuration leaves on, or with ``select`` those it names
    (a rule named by id runs even when the configuration disables it), less those ``ignore`` names."""
    _check_names(registry, [*select, *ignore])
    chosen = config.select(registry)
    if select:
        chosen = {rule_id: r for rule_id, r in registry.items()
                  if rule_id in select or (r.practice in select and rule_id in chosen)}
    return {rule_id: r for rule_id, r in chosen.items() if rule_id not in ignore and r.practice not in ignore}


def _check_names(registry: Mapping[str, Rule], names: Sequence[str]) -> None:
    known = set(registry) | {r.practice for r in registry.values()}
    for name in names:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else " (see 'cdlint rules')"
            raise ConfigError(f"'{name}' is neither a rule id nor a practice{hint}")


def tiers(production_env: Sequence[str], configured: Sequence[tuple[str, str]] = ()):
    """Tier inference with the command line's production names first, then the configuration's."""
    from cdlint.classify import DEFAULT_TIERS, Tiers

    if not production_env and not configured:
        return DEFAULT_TIERS
    from cdlint import userregex

    for pattern in production_env:
        reason = userregex.problem(pattern)
        if reason is not None:
            raise ConfigError(f"--production-env {pattern!r} is not a regular expression cdlint can use: {reason}")
    try:
        return Tiers([*(("production", p) for p in production_env), *configured])
    except ValueError as e:
        raise ConfigError(f"environments: {e}") from None


def severity_at_least(severity: str, threshold: str | None) -> bool:
    """Whether ``severity`` is at or above ``threshold`` (``None``: everything counts)."""
    if threshold is None:
        return True
    if threshold == "never":
        return False
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)
