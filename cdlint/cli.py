"""The command line: parse arguments, call the engine, pick a formatter, write.

Heavy modules are imported inside the commands that need them, so a
pre-commit run on one file starts fast.
"""

from __future__ import annotations

import sys

import click

from cdlint import __version__

FORMATS = ("text", "json", "sarif", "github", "codequality", "junit")
FAIL_ON = ("error", "warning", "note", "never")
_RANK = {"error": 3, "warning": 2, "note": 1}


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


def _fail(message: str) -> None:
    for line in message.splitlines() or [""]:
        click.echo(f"cdlint: {line}", err=True)
    sys.exit(2)


def _tiers(production_env: tuple[str, ...], configured: list[tuple[str, str]] = ()):
    """Tier inference with the command line's production names first, then the configuration's."""
    from cdlint.classify import DEFAULT_TIERS, Tiers

    if not production_env and not configured:
        return DEFAULT_TIERS
    import re

    for pattern in production_env:
        try:
            re.compile(pattern)
        except re.error as e:
            _fail(f"--production-env {pattern!r} is not a regular expression: {e}")
    return Tiers([*(("production", p) for p in production_env), *configured])


def _config(config_file: str | None, roots, registry):
    """The configuration: ``--config FILE``, else the one found at the scanned roots, else the defaults."""
    from cdlint import config

    path = config_file or config.find(roots)
    return config.load(path, registry) if path else config.Config()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdlint")
def main() -> None:
    """Lint CI/CD pipelines for continuous delivery practices."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file instead of stdout.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the configuration from FILE instead of .cdlint.yaml or pyproject.toml at the scanned root.")
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit with 1 when a finding has at least this severity.  [default: the configuration's, else error]")
@click.option("--platform", type=click.Choice(("github", "gitlab", "azure", "jenkins")),
              help="Read every file as this platform instead of detecting it.")
@click.option("--production-env", multiple=True, metavar="REGEX",
              help="Environment names matching REGEX are production (repeatable).")
@click.option("--require-reason", is_flag=True, help="Report ignore comments that give no reason (invalid-ignore).")
@click.option("--no-ignores", is_flag=True, help="Report everything, as if there were no ignore comments (an audit).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings not recorded in the baseline FILE.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record the current findings in FILE (a baseline) and exit with 0.")
@click.option("--debug", is_flag=True, help="Print internal tracebacks to stderr.")
def check(paths, format_, output, config_file, fail_on, platform, production_env, require_reason, no_ignores,
          baseline_file, write_baseline, debug) -> None:
    """Check the pipelines under PATHS (default: the current directory)."""
    from cdlint.engine import Settings, check_targets, targets
    from cdlint.errors import ConfigError
    from cdlint.formatters import FORMATTERS
    from cdlint.rule import load_rules

    try:
        found = targets(list(paths) or ["."], platform)
        registry = load_rules()
        config = _config(config_file, [t.root for t in found], registry)
        baseline = None
        if not write_baseline and (baseline_file or config.baseline):
            from cdlint.baseline import load

            baseline = load(baseline_file or config.baseline)
        settings = Settings(
            rules=config.select(registry),
            severities=config.severities(),
            options=config.options(),
            tiers=_tiers(production_env, config.tiers()),
            platform=platform,
            debug=debug,
            exclude=config.exclude,
            ignores=not no_ignores,
            require_reason=require_reason or config.require_reason,
            baseline=baseline,
        )
        report = check_targets(found, settings)
    except ConfigError as e:
        _fail(str(e))
    for error in report.errors:
        click.echo(f"cdlint: {error}", err=True)
    if write_baseline:
        from cdlint.baseline import render

        _write(render(report.findings), write_baseline)
        count = len(report.findings)
        click.echo(f"cdlint: recorded {count} finding{'s' * (count != 1)} in {write_baseline}", err=True)
        sys.exit(0)
    _write(FORMATTERS[format_](report), output)
    if report.baselined:
        n = report.baselined
        shown = f"{n} finding{'s' * (n != 1)} recorded in the baseline {'is' if n == 1 else 'are'} not shown"
        click.echo(f"cdlint: {shown}", err=True)
    threshold = _RANK.get(fail_on or config.fail_on or "error", 99)
    failed = any(_RANK[f.severity] >= threshold for f in report.findings)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing configuration file.")
def init(path: str, force: bool) -> None:
    """Write a commented starter configuration, .cdlint.yaml, in PATH (default: the current directory)."""
    from pathlib import Path

    from cdlint import config
    from cdlint.rule import load_rules

    folder = Path(path)
    if not folder.is_dir():
        _fail(f"no such directory: {path}")
    existing = [folder / name for name in config.CONFIG_FILES if (folder / name).exists()]
    if existing and not force:
        _fail(f"{existing[0]} exists; use --force to overwrite it")
    target = existing[0] if existing else folder / config.CONFIG_FILES[0]
    _write(config.starter(load_rules()), str(target))
    click.echo(f"wrote {target}")


@main.command("config")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read the configuration from FILE instead of the one found in PATH.")
@click.option("--schema", is_flag=True, help="Print the configuration's JSON Schema, with every rule's options, instead.")
def config_command(path: str, config_file: str | None, schema: bool) -> None:
    """Print the configuration in effect for PATH, with the defaults of every rule."""
    import json
    from pathlib import Path

    from cdlint import config
    from cdlint.errors import ConfigError
    from cdlint.rule import load_rules

    registry = load_rules()
    if schema:
        click.echo(json.dumps(config.schema(registry), indent=2))
        return
    try:
        loaded = _config(config_file, [Path(path)], registry)
    except ConfigError as e:
        _fail(str(e))
    click.echo(config.render(loaded, registry), nl=False)


@main.command()
@click.option("--markdown", is_flag=True, help="Print a Markdown table (the README's rule table).")
def rules(markdown: bool) -> None:
    """List the rules."""
    from cdlint.rule import load_rules

    loaded = load_rules()
    if markdown:
        click.echo(rules_markdown(loaded.values()), nl=False)
        return
    width = max((len(r) for r in loaded), default=0)
    for r in loaded.values():
        click.echo(f"{r.id:<{width}}  {r.severity:<7}  {r.practice:<28}  {r.summary}")


def rules_markdown(rules) -> str:
    lines = ["| rule | severity | practice | what it flags |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.id}` | {r.severity} | {r.practice} | {r.summary} |" for r in rules]
    return "\n".join(lines) + "\n"


@main.command("rule")
@click.argument("rule_id")
def rule_doc(rule_id: str) -> None:
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
@click.argument("path", type=click.Path(exists=True))
@click.option("--format", "format_", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--platform", type=click.Choice(("github", "gitlab", "azure", "jenkins")))
def graph(path: str, format_: str, platform: str | None) -> None:
    """Print the normalized stage graph of the pipelines under PATH."""
    from cdlint.engine import analyse, targets
    from cdlint.errors import ConfigError
    from cdlint.formatters.graph import render_json, render_text

    try:
        found = targets([path], platform)
    except ConfigError as e:
        _fail(str(e))
    from cdlint.engine import Settings

    for target in found:
        project, _, _ = analyse(target, {}, Settings(platform=platform))
        click.echo((render_json if format_ == "json" else render_text)(project), nl=False)


MATURITY_FORMATS = ("text", "markdown", "json", "html")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "format_", type=click.Choice(MATURITY_FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file instead of stdout.")
@click.option("--model", "model_file", type=click.Path(dir_okay=False),
              help="Use this maturity model (YAML, see cdlint/maturity/model.yaml) instead of the default.")
@click.option("--fail-under", multiple=True, metavar="CATEGORY=LEVEL",
              help="Exit with 1 when CATEGORY is below LEVEL in any repository (repeatable).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False),
              help="A previous --format json result: exit with 1 when a category's level dropped.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Assess this many repositories at once, in parallel processes.")
@click.option("--platform", type=click.Choice(("github", "gitlab", "azure", "jenkins")),
              help="Read every file as this platform instead of detecting it.")
@click.option("--production-env", multiple=True, metavar="REGEX",
              help="Environment names matching REGEX are production (repeatable).")
@click.option("--debug", is_flag=True, help="Print internal tracebacks to stderr.")
def maturity(paths, format_, output, model_file, fail_under, baseline, jobs, platform, production_env, debug) -> None:
    """Assess the continuous delivery maturity of the repositories at PATHS (default: the current directory).

    Each PATH is one repository; several give one report with a row per
    repository and the distribution of levels per category.
    """
    from cdlint.engine import Settings
    from cdlint.errors import ConfigError
    from cdlint.maturity import below, load_model, regressions, run

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
        gates.append((category, level))
    previous = None
    if baseline:
        previous = _maturity_baseline(baseline)
    settings = Settings(platform=platform, tiers=_tiers(production_env), debug=debug)
    try:
        report = run(list(paths) or ["."], settings, model, jobs)
    except ConfigError as e:
        _fail(str(e))
    if format_ == "html":
        from cdlint.maturity.html import render_html as render
    else:
        from cdlint.maturity import render as renderers

        render = {"text": renderers.render_text, "markdown": renderers.render_markdown, "json": renderers.render_json}[format_]
    _write(render(report), output)
    for repo in report.repositories:
        for error in repo.errors:
            click.echo(f"cdlint: {error}", err=True)
    failures = [message for category, level in gates for message in below(report, category, level)]
    if previous is not None:
        failures += regressions(report, previous)
    for message in failures:
        click.echo(f"cdlint: maturity gate failed: {message}", err=True)
    sys.exit(1 if failures else 0)


def _maturity_baseline(path: str) -> dict:
    import json
    from importlib.resources import files
    from pathlib import Path

    import jsonschema

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        schema = json.loads(files("cdlint").joinpath("schemas", "maturity-v1.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(document, schema)
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

    from cdlint.config import cache_dir
    from cdlint.engine import Settings
    from cdlint.errors import ConfigError
    from cdlint.fleet import engines, history as past, inputs, runner
    from cdlint.fleet.evaluate import Options
    from cdlint.maturity import load_model

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
        options = Options(Settings(tiers=_tiers(production_env)), model, str(Path(cache) if cache else cache_dir() / "fleet"),
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
