"""The command line: parse arguments, resolve the settings, call the engine, pick a formatter, write.

Heavy modules are imported inside the commands that need them, so a
pre-commit run on one file starts fast. Every operational error (a bad
argument or configuration, a file that cannot be read or written) is one line
on stderr and exit code 2; a traceback only with ``--debug``.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence

import click

from cdlint import __version__
from cdlint.errors import ConfigError
from cdlint.finding import SEVERITIES
from cdlint.formatters import FORMATTERS, TEXT_FORMATS, RenderOptions
from cdlint.parsers import PARSERS
from cdlint.safetext import scrub, visible

FAIL_ON = (*SEVERITIES, "never")
COLOR = ("auto", "always", "never")
FORMATS = tuple(FORMATTERS)
RULE_FORMATS = ("text", "markdown", "json", "doc")


class _Choice(click.Choice):
    """A choice among the keys of a registry that is imported only when the choice is used,
    so ``cdlint check`` does not import what ``maturity`` and ``graph`` render with."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        super().__init__(())

    @property
    def choices(self) -> Sequence[str]:
        return tuple(self._load())

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass


def _graph_formats() -> Sequence[str]:
    from cdlint.formatters.graph import GRAPH_FORMATS

    return GRAPH_FORMATS


def _maturity_formats() -> Sequence[str]:
    from cdlint.maturity import FORMATS as MATURITY_FORMATS

    return MATURITY_FORMATS


class _Main(click.Group):
    """The command group; turns what goes wrong inside a command into one line and exit 2."""

    def invoke(self, ctx: click.Context):
        # An analysis allocates many small objects that live until the report is written;
        # at the default threshold (700) the collector walks them over and over (10% of
        # a run over many files). Cycles are few, so collecting less often costs little
        # memory (a few MiB on 2,000 files, measured with bench/bench_check.py).
        gc.set_threshold(20_000, 10, 10)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ConfigError as e:
            _debug_traceback(ctx)
            _fail(str(e))
        except OSError as e:
            _debug_traceback(ctx)
            where = f": {e.filename}" if e.filename else ""
            _fail(f"{e.strerror or e}{where}")
        except Exception as e:  # a bug must still end in one line and exit 2, never in "findings"
            _debug_traceback(ctx)
            hint = "" if _debugging(ctx) else " (run with --debug for the traceback)"
            _fail(f"internal error: {type(e).__name__}: {e}; please report it{hint}")


def _debugging(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("cdlint.debug"))


def _debug_traceback(ctx: click.Context) -> None:
    if _debugging(ctx):
        import traceback

        traceback.print_exc()


def _set_debug(ctx: click.Context, _param, value: bool) -> bool:
    if value:
        ctx.meta["cdlint.debug"] = True
    return value


debug_option = click.option("--debug", is_flag=True, callback=_set_debug, help="Print internal tracebacks to stderr.")
config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
    help="Read the configuration from FILE instead of .cdlint.yaml or pyproject.toml at the scanned root.")
no_repo_config_option = click.option(
    "--no-repo-config", is_flag=True,
    help="Do not read the configuration files of the scanned repositories (.cdlint.yaml, [tool.cdlint]): "
         "the defaults, or --config, decide which rules run (for untrusted pull requests).")
platform_option = click.option("--platform", type=click.Choice(tuple(PARSERS)),
                               help="Read every file as this platform instead of detecting it.")
production_option = click.option("--production-env", multiple=True, metavar="REGEX",
                                 help="Environment names matching REGEX are production (repeatable).")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False),
                             help="Write the report to a file instead of stdout.")
allow_empty_option = click.option(
    "--allow-empty", is_flag=True,
    help="Exit 0 when a path holds no pipeline file (a pre-commit run on a commit without one), instead of 2.")


def _scanned(scan, platform: str | None, allow_empty: bool, analysed: bool, quiet: bool = False) -> bool:
    """Say on stderr what was left out that the user named or would miss, and whether the run
    looked at nothing it was asked to: a path without pipeline files (True: exit 2)."""
    from cdlint.parsers.detection import looks_for

    for skipped in scan.skipped:
        if skipped.reason == "unreadable":
            _warn(f"cannot read {skipped.path}: {skipped.detail}; skipped")
        elif skipped.given and skipped.reason == "not a pipeline":
            _warn(f"{skipped.path}: not a pipeline file of any platform; skipped (--platform reads it as one)")
        elif skipped.given or skipped.reason in ("not a regular file", "outside the repository"):
            _warn(f"{skipped.path}: {skipped.reason}; skipped")
    if not quiet:
        for note in scan.notes:
            _warn(note)
    empty = [path for path in scan.empty if os.path.isdir(path)]
    if not empty and not analysed:
        empty = ["the files given"]
    if empty and not allow_empty:
        skipped = _skipped_line(scan)
        _warn(f"no pipeline files found in {', '.join(empty)} "
              f"(looked for {looks_for(platform)}{'; ' + skipped if skipped else ''})")
        return True
    return False


def _skipped_line(scan) -> str:
    from cdlint.formatters.text import skipped_summary

    return skipped_summary(scan)


def _write(text: str, output: str | None) -> None:
    """``text`` to stdout, or atomically to the file ``output`` (never through a symlink)."""
    text = scrub(text)
    if not output:
        # Colour was decided with --color and NO_COLOR; click would strip it when piped.
        click.echo(text, nl=False, color=True)
        return
    from cdlint.output import write_file

    try:
        write_file(output, text)
    except OSError as e:
        _fail(f"cannot write {output}: {e.strerror or e}")


def _folder(path: str) -> None:
    """Make the folder that pages beside a report go into; one that is a symlink is refused,
    so pages are never written through it."""
    if os.path.islink(path):
        _fail(f"cannot write into {path}: it is a symlink")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        _fail(f"cannot write {path}: {e.strerror or e}")


def _warn(message: str) -> None:
    """``message`` on stderr, a line each, with what a repository wrote in it made visible
    (control characters escaped)."""
    for line in message.splitlines() or [""]:
        click.echo(f"cdlint: {visible(line)}", err=True)


def _fail(message: str) -> None:
    _warn(message)
    sys.exit(2)


def _names(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated and comma-separated values as one tuple: ``--select a,b --select c``."""
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


def _color(choice: str, output: str | None) -> bool:
    """Colour for the report: asked for, or ``auto`` on a terminal without ``NO_COLOR``."""
    if choice != "auto":
        return choice == "always"
    if output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdlint")
def main() -> None:
    """Lint CI/CD pipelines for continuous delivery practices."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_", type=click.Choice(FORMATS),
              help="Output format.  [default: the configuration's 'format', else text]")
@output_option
@config_option
@no_repo_config_option
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit with 1 when a finding has at least this severity.  [default: the configuration's, else error]")
@click.option("--select", multiple=True, metavar="RULE|PRACTICE",
              help="Run only these rules, by id or practice (repeatable, or comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULE|PRACTICE",
              help="Do not run these rules, by id or practice (repeatable, or comma-separated).")
@click.option("--min-severity", type=click.Choice(SEVERITIES), help="Report only findings of at least this severity.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only: no summary line, no notes.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, most first, instead of the findings.")
@click.option("--color", type=click.Choice(COLOR), default="auto", show_default=True,
              help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--stdin-filename", metavar="PATH",
              help="With PATH '-': the name of the pipeline read from stdin (its platform and root come from it).")
@platform_option
@production_option
@click.option("--require-reason", is_flag=True, help="Report ignore comments that give no reason (invalid-ignore).")
@click.option("--no-ignores", is_flag=True, help="Report everything, as if there were no ignore comments (an audit).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings not recorded in the baseline FILE.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record the current findings in FILE (a baseline) and exit with 0.")
@click.option("--sarif-category", default="cdlint", show_default=True, metavar="NAME",
              help="SARIF automationDetails.id: runs with different categories keep their code-scanning alerts apart.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Check this many repositories at once, in parallel processes.  "
                   "[default: the idle cores (cores less the whole cores the load average fills) when the paths hold several repositories "
                   "with 300 pipeline files or more, else 1]")
@allow_empty_option
@debug_option
def check(paths, format_, output, config_file, no_repo_config, fail_on, select, ignore, min_severity, quiet, statistics, color,
          stdin_filename, platform, production_env, require_reason, no_ignores, baseline_file, write_baseline,
          sarif_category, jobs, allow_empty, debug) -> None:
    """Check the pipelines under PATHS (default: the current directory; '-': one pipeline from stdin)."""
    from cdlint.engine import check_targets, parallel_jobs
    from cdlint.settings import Options, resolve

    stdin = None
    if "-" in paths:
        if len(paths) > 1:
            _fail("'-' (a pipeline from stdin) cannot be combined with other paths")
        stdin = sys.stdin.buffer.read()
    elif stdin_filename:
        _fail("--stdin-filename names the pipeline read from stdin: give '-' as the path")
    options = Options(
        config_file=config_file, platform=platform, production_env=production_env, select=_names(select),
        ignore=_names(ignore), min_severity=min_severity, require_reason=require_reason, no_ignores=no_ignores,
        baseline_file=baseline_file, use_baseline=not write_baseline, stdin_filename=stdin_filename or "stdin",
        debug=debug, repo_config=not no_repo_config,
    )
    resolved = resolve(paths, options, stdin=stdin)
    config = resolved.config
    format_ = format_ or config.format or "text"
    if statistics and format_ not in TEXT_FORMATS:
        _fail(f"--statistics prints a table; it cannot be combined with --format {format_}")
    report = check_targets(resolved.targets, resolved.settings, parallel_jobs(resolved.targets, jobs))
    for error in report.errors:
        _warn(error)
    nothing = _scanned(report.scan, platform, allow_empty, bool(report.files), quiet)
    if nothing and not report.files:
        sys.exit(2)
    if write_baseline:
        from cdlint.baseline import render

        if report.errors:
            _fail(f"{write_baseline} not written: a rule failed, so the findings are incomplete")
        _write(render(report.findings), write_baseline)
        count = len(report.findings)
        _warn(f"recorded {count} finding{'s' * (count != 1)} in {write_baseline}")
        sys.exit(0)
    fail_on = fail_on or config.fail_on or "error"
    render_options = RenderOptions(color=_color(color, output), quiet=quiet, fail_on=fail_on, category=sarif_category)
    if statistics:
        from cdlint.formatters.text import statistics as render_statistics

        _write(render_statistics(report, render_options), output)
    else:
        _write(FORMATTERS[format_](report, render_options), output)
    if report.baselined and not quiet:
        n = report.baselined
        shown = f"{n} finding{'s' * (n != 1)} recorded in the baseline {'is' if n == 1 else 'are'} not shown"
        _warn(shown)
    from cdlint.settings import severity_at_least

    # A rule that failed (a bug): its findings are missing, and neither "clean" nor
    # "findings" would be true.
    if nothing or report.errors:
        sys.exit(2)
    sys.exit(1 if any(severity_at_least(f.severity, fail_on) for f in report.findings) else 0)


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing configuration file.")
@debug_option
def init(path: str, force: bool, debug: bool) -> None:
    """Write a commented starter configuration, .cdlint.yaml, in PATH (default: the current directory)."""
    from pathlib import Path

    from cdlint import config
    from cdlint.rule import load_rules

    folder = Path(path)
    if not folder.is_dir():
        _fail(f"no such directory: {path}")
    existing = [folder / name for name in config.CONFIG_FILES if os.path.lexists(folder / name)]
    if existing and existing[0].is_symlink():
        _fail(f"{existing[0]} is a symlink; remove it first")
    if existing and not force:
        _fail(f"{existing[0]} exists; use --force to overwrite it")
    target = existing[0] if existing else folder / config.CONFIG_FILES[0]
    _write(config.starter(load_rules()), str(target))
    click.echo(f"wrote {target}")


@main.command("config")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the configuration from FILE instead of the one found in PATH.")
@no_repo_config_option
@click.option("--schema", is_flag=True, help="Print the configuration's JSON Schema, with every rule's options, instead.")
@debug_option
def config_command(path: str, config_file: str | None, no_repo_config: bool, schema: bool, debug: bool) -> None:
    """Print the configuration in effect for PATH, with the defaults of every rule."""
    import json
    from pathlib import Path

    from cdlint import config
    from cdlint.rule import load_rules
    from cdlint.settings import load_config

    registry = load_rules()
    if schema:
        click.echo(json.dumps(config.schema(registry), indent=2))
        return
    click.echo(config.render(load_config(config_file, [Path(path)], registry, not no_repo_config), registry), nl=False)


@main.command()
@click.option("--format", "format_", type=click.Choice(RULE_FORMATS), default="text", show_default=True,
              help="text: one line per rule; markdown: the README's table; json: every rule with its options; "
                   "doc: every rule's documentation as one page (docs/rules.md).")
@output_option
@debug_option
def rules(format_: str, output: str | None, debug: bool) -> None:
    """List the rules."""
    from cdlint import ruledocs
    from cdlint.rule import load_rules

    render = {"text": ruledocs.text, "markdown": ruledocs.table, "json": ruledocs.json_list, "doc": ruledocs.page}[format_]
    _write(render(load_rules().values()), output)


@main.command("rule")
@click.argument("rule_id")
@debug_option
def rule_doc(rule_id: str, debug: bool) -> None:
    """Print the documentation of RULE_ID."""
    from cdlint.rule import load_rules

    loaded = load_rules()
    if rule_id not in loaded:
        _fail(f"unknown rule '{rule_id}' (see 'cdlint rules')")
    r = loaded[rule_id]
    click.echo(f"{r.id} ({r.severity}, practice: {r.practice})\n")
    click.echo(r.doc)
    if r.options:
        click.echo("\nOptions:")
        for name, spec in r.options.items():
            click.echo(f"  {name}: {spec.get('description', '')} (default: {spec.get('default')!r})")


@main.command()
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--format", "format_", type=_Choice(_graph_formats), default="text", show_default=True,
              help="text and json to read what cdlint made of the files; dot (Graphviz) and mermaid to draw it.")
@output_option
@config_option
@no_repo_config_option
@platform_option
@production_option
@debug_option
def graph(path: str, format_: str, output: str | None, config_file, no_repo_config, platform, production_env,
          debug: bool) -> None:
    """Print the normalized stage graph of the pipelines under PATH."""
    from cdlint.engine import analyse, scoped
    from cdlint.formatters.graph import GRAPH_FORMATS
    from cdlint.settings import Options, resolve

    options = Options(config_file=config_file, platform=platform, production_env=production_env, debug=debug,
                      repo_config=not no_repo_config)
    resolved = resolve([path], options)
    # One graph: that of the repository PATH is in, its pipelines under PATH; the
    # repositories nested in it have graphs of their own.
    target, *nested = resolved.targets
    project, _, _ = analyse(target, {}, resolved.settings)
    _write(GRAPH_FORMATS[format_](scoped(target, project)), output)
    if nested:
        names = ", ".join(t.prefix for t in nested if t.files)
        if names:
            _warn(f"{path} also holds the repositories {names}: graph each on its own")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "format_", type=_Choice(_maturity_formats), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report to a file instead of stdout (HTML of several repositories: also a page "
                   "per repository in a folder beside it).")
@config_option
@no_repo_config_option
@click.option("--model", "model_file", type=click.Path(dir_okay=False),
              help="Use this maturity model (YAML, see cdlint/maturity/model.yaml) instead of the default.")
@click.option("--fail-under", multiple=True, metavar="CATEGORY=LEVEL",
              help="Exit with 1 when CATEGORY is below LEVEL in any repository (repeatable).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous --format json result: exit with 1 when a category's level dropped.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Assess this many paths at once, in parallel processes.  "
                   "[default: the idle cores (cores less the whole cores the load average fills) for several paths, else 1]")
@platform_option
@production_option
@allow_empty_option
@debug_option
def maturity(paths, format_, output, config_file, no_repo_config, model_file, fail_under, baseline, jobs, platform, production_env,
             allow_empty, debug) -> None:
    """Assess the continuous delivery maturity of the repositories at PATHS (default: the current directory).

    Each PATH is a repository (a folder of one rates the repository it is in), analysed
    with its own configuration (.cdlint.yaml or [tool.cdlint]) unless --config names one
    for all; repositories nested in it (a .git of their own) are rated on their own.
    Several give one report with a row per repository and the distribution of levels per
    category. A repository without pipeline files is not rated.
    """
    from cdlint.maturity import below, gate_problem, load_model, regressions, render_report, run
    from cdlint.settings import Options

    try:
        model = load_model(model_file)
    except ConfigError as e:
        _fail(f"invalid maturity model:\n{e}")
    gates = []
    for spec in fail_under:
        category, _, level = spec.partition("=")
        if category not in {c.id for c in model.categories} or not model.has_level(level):
            _fail(f"--fail-under {spec!r}: expected CATEGORY=LEVEL with a category of "
                  f"{', '.join(c.id for c in model.categories)} and a level of {', '.join(lv.id for lv in model.levels)}")
        problem = gate_problem(model, category, level)
        if problem:
            _fail(f"--fail-under {spec!r}: {problem}")
        gates.append((category, level))
    previous = _maturity_baseline(baseline) if baseline else None
    options = Options(config_file=config_file, platform=platform, production_env=production_env, debug=debug,
                      repo_config=not no_repo_config)
    if jobs is None:
        from cdlint.engine import idle_cores

        # Forked workers cost little: on three small repositories two took 0.27 s, one 0.30 s.
        jobs = idle_cores() if len(paths) > 1 else 1
    report = run(list(paths) or ["."], options, model, jobs, detail=format_ == "html")
    if report.empty and not allow_empty:
        from cdlint.parsers.detection import looks_for

        _warn(f"no pipeline files found in {', '.join(report.empty)} (looked for {looks_for(platform)}); "
              "nothing there to rate")
    if not report.repositories:
        sys.exit(0 if allow_empty else 2)
    pages = render_report(format_, report, output)
    if len(pages) > 1 and not output:
        _fail("an HTML report of several repositories is a page per repository: write it with -o FILE")
    for name, text in pages.items():
        if name is not None:
            _folder(os.path.dirname(name))
        _write(text, name or output)
    for repo in report.repositories:
        for error in repo.errors:
            _warn(f"{repo.path}: {error}" if len(report.repositories) > 1 else error)
    failures = [message for category, level in gates for message in below(report, category, level)]
    if previous is not None:
        failures += regressions(report, previous)
    for message in failures:
        _warn(f"maturity gate failed: {message}")
    if (report.empty and not allow_empty) or any(repo.errors for repo in report.repositories):
        sys.exit(2)
    sys.exit(1 if failures else 0)


def _maturity_baseline(path: str) -> dict:
    import json
    from importlib.resources import files

    import jsonschema

    from cdlint.baseline import MAX_BASELINE_SIZE
    from cdlint.files import Refused, read_text

    try:
        document = json.loads(read_text(path, MAX_BASELINE_SIZE))
        schema = json.loads(files("cdlint").joinpath("schemas", "maturity-v1.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(document, schema)
    except Refused as e:
        _fail(f"--baseline {path} {e.reason}; not read")
    except RecursionError:
        _fail(f"--baseline {path}: not a maturity JSON result: nested too deeply")
    except (OSError, ValueError) as e:
        _fail(f"--baseline {path}: not a maturity JSON result: {e}")
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        _fail(f"--baseline {path}: not a maturity JSON result ({where}: {e.message})")
    return document


@main.group()
def fleet() -> None:
    """Delivery maturity across many repositories and over time: scan into a store, report from it."""


@fleet.command("scan")
@click.argument("sources", nargs=-1, required=True)
@click.option("-s", "--store", "store_path", default="cdlint-fleet.jsonl", show_default=True,
              type=click.Path(dir_okay=False), help="The results store (JSON Lines) to append to.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Scan this many repositories at once, in local processes.")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS",
              help="Run on the Dask cluster of this scheduler (tcp://HOST:8786) instead; needs cdlint[fleet].")
@click.option("--history", is_flag=True, help="Also evaluate past commits that changed pipeline files.")
@click.option("--since", default="1y", show_default=True, metavar="DATE|DURATION",
              help="With --history: how far back (2024-01-31, or 1y, 6m, 2w, 30d before now).")
@click.option("--every", metavar="DURATION", help="With --history: at most one commit per DURATION (30d, 1m, 2w).")
@click.option("--max-commits", type=click.IntRange(min=1, max=1000), default=24, show_default=True,
              help="With --history: at most this many commits per repository, the newest.")
@click.option("--force", is_flag=True, help="Evaluate commits the store already holds again.")
@click.option("--cache", type=click.Path(file_okay=False), metavar="DIR",
              help="Where git sources are fetched.  [default: the fleet folder of cdlint's cache]")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Seconds allowed per repository; one that takes longer is an error record.")
@click.option("--model", "model_file", type=click.Path(dir_okay=False), help="Use this maturity model instead of the default.")
@click.option("--production-env", multiple=True, metavar="REGEX",
              help="Environment names matching REGEX are production (repeatable).")
def fleet_scan(sources, store_path, jobs, scheduler, history, since, every, max_commits, force, cache, timeout,
               model_file, production_env) -> None:
    """Scan the repositories SOURCES into the store.

    A SOURCE is a directory, a git URL (https, ssh, git or file), a bare repository,
    a file listing such sources (LOCATION [REF] a line), or - to read that list from
    standard input. Records are appended as repositories finish; a second run skips
    the commits already stored.
    """
    import functools
    from datetime import datetime, timezone
    from pathlib import Path

    from cdlint.cache import cache_dir
    from cdlint.engine import Settings
    from cdlint.errors import ConfigError
    from cdlint.fleet import engines, history as past, inputs, runner
    from cdlint.fleet.evaluate import Options
    from cdlint.maturity import load_model
    from cdlint.settings import tiers as settings_tiers

    try:
        model = load_model(model_file)
        found = []
        for source in sources:
            if source == "-":
                found += inputs.parse_list(sys.stdin, Path.cwd(), "<stdin>")
            else:
                found += inputs.from_argument(source)
        window = None
        if history:
            window = past.History(past.since(since, datetime.now(timezone.utc)), past.duration(every) if every else 0,
                                  max_commits)
        elif every:
            raise ConfigError("--every needs --history")
        options = Options(Settings(tiers=settings_tiers(production_env)), model, str(Path(cache) if cache else cache_dir() / "fleet"),
                          timeout, window)
        engine = (functools.partial(engines.run_dask, address=scheduler) if scheduler
                  else functools.partial(engines.run_local, jobs=jobs))
        chosen = inputs.unique(found)
        tally = runner.Tally(len(chosen))
        live = sys.stderr.isatty()
        try:
            for outcome in runner.scan(chosen, store_path, options, engine, force):
                tally.add(outcome)
                if live:
                    click.echo(f"\r\033[Kcdlint: {tally.line()}", err=True, nl=False)
        except KeyboardInterrupt:
            if live:
                click.echo("", err=True)
            click.echo(f"cdlint: interrupted; {tally.summary(store_path)}; run again to resume", err=True)
            sys.exit(130)
    except ConfigError as e:
        _fail(str(e))
    if live:
        click.echo("", err=True)
    click.echo(f"cdlint: {tally.summary(store_path)}", err=True)


@fleet.command("report")
@click.option("-s", "--store", "store_path", default="cdlint-fleet.jsonl", show_default=True,
              type=click.Path(exists=True, dir_okay=False), help="The results store to read.")
@click.option("--format", "format_", type=click.Choice(("html", "markdown", "csv")), default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(),
              help="html: the folder to write (default cdlint-fleet-report); markdown, csv: a file instead of stdout.")
def fleet_report(store_path, format_, output) -> None:
    """Report on the repositories in the store: an HTML site (an overview and a page per
    repository), Markdown for a wiki, or CSV with a row per record for spreadsheets."""
    from pathlib import Path

    from cdlint.errors import ConfigError
    from cdlint.fleet import summary

    try:
        if format_ == "csv":
            from cdlint.fleet.tables import render_csv

            _write("".join(render_csv(store_path)), output)
            return
        fleet = summary.load(store_path)
        if format_ == "markdown":
            from cdlint.fleet.tables import render_markdown

            _write(render_markdown(fleet), output)
            return
        from cdlint.fleet.html import render_site

        folder = Path(output or "cdlint-fleet-report")
        (folder / "repos").mkdir(parents=True, exist_ok=True)
        pages = 0
        for name, page in render_site(fleet):
            _write(page, str(folder / name))
            pages += 1
    except ConfigError as e:
        _fail(str(e))
    except OSError as e:
        _fail(f"cannot write the report: {e}")
    click.echo(f"cdlint: wrote {folder / 'index.html'} and {pages - 1} repository page{'s' * (pages != 2)}", err=True)
