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
    click.echo(f"cdlint: {message}", err=True)
    sys.exit(2)


def _tiers(production_env: tuple[str, ...]):
    from cdlint.classify import DEFAULT_TIERS, Tiers

    if not production_env:
        return DEFAULT_TIERS
    import re

    for pattern in production_env:
        try:
            re.compile(pattern)
        except re.error as e:
            _fail(f"--production-env {pattern!r} is not a regular expression: {e}")
    return Tiers([("production", p) for p in production_env])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdlint")
def main() -> None:
    """Lint CI/CD pipelines for continuous delivery practices."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit with 1 when a finding has at least this severity.")
@click.option("--platform", type=click.Choice(("github", "gitlab", "azure", "jenkins")),
              help="Read every file as this platform instead of detecting it.")
@click.option("--production-env", multiple=True, metavar="REGEX",
              help="Environment names matching REGEX are production (repeatable).")
@click.option("--debug", is_flag=True, help="Print internal tracebacks to stderr.")
def check(paths, format_, output, fail_on, platform, production_env, debug) -> None:
    """Check the pipelines under PATHS (default: the current directory)."""
    from cdlint.engine import Settings, check as run
    from cdlint.errors import ConfigError
    from cdlint.formatters import FORMATTERS

    settings = Settings(platform=platform, tiers=_tiers(production_env), debug=debug)
    try:
        report = run(list(paths) or ["."], settings)
    except ConfigError as e:
        _fail(str(e))
    _write(FORMATTERS[format_](report), output)
    for error in report.errors:
        click.echo(f"cdlint: {error}", err=True)
    threshold = _RANK.get(fail_on, 99)
    failed = any(_RANK[f.severity] >= threshold for f in report.findings)
    sys.exit(1 if failed else 0)


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
