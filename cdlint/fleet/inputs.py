"""What to scan: directories, git URLs, bare repositories, and files that list them.

A list file holds one repository a line, ``LOCATION [REF]``; blank lines and
``#`` comments are skipped; relative paths are relative to the list file (to the
current directory for standard input). A location is a git URL when it has a
scheme (``https://``, ``ssh://``, ``git://``, ``file://``) or is written
``user@host:path``; a directory holding a bare repository is read as the
``file://`` URL of it; any other directory is scanned as it is on disk, and a directory
given on the command line that holds repositories (``.git``) gives each of them as a source.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cdlint.errors import ConfigError

SCHEMES = ("https", "http", "ssh", "git", "file")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"^(?:[\w.+-]+@)?([\w.-]+):(?!//)(.+)$")
_REF = re.compile(r"^[\w./@{}^~+-]+$")
MAX_LINE = 4096


@dataclass(frozen=True)
class Source:
    """One repository to scan. ``name`` is how records and reports call it (no credentials);
    ``location`` is a directory or a git URL; ``ref`` a branch, tag or commit (git only)."""

    name: str
    location: str
    kind: str  # "directory" or "git"
    ref: str | None = None


def from_argument(argument: str) -> list[Source]:
    """The sources a command-line argument names: a directory, a git URL, or a list file."""
    if is_url(argument):
        return [_source(argument, None, Path.cwd(), argument)]
    path = Path(argument)
    if path.is_dir():
        return _directories(argument)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read the list {argument}: {e}") from None
        return list(parse_list(text.splitlines(), path.parent, argument))
    raise ConfigError(f"no such directory, list file or git URL: {argument}")


def _directories(argument: str) -> list[Source]:
    """The sources a directory on the command line names: itself, and each repository nested
    in it (a checkout of an organisation, a folder of clones), which is scanned on its own.
    A folder that only holds repositories is no source itself."""
    from cdlint.discovery import scan

    path = Path(argument)
    if is_bare_repository(path) or (path / ".git").exists():
        return [_source(argument, None, Path.cwd(), argument)]
    found = scan(path)
    if not found.repositories:
        return [_source(argument, None, Path.cwd(), argument)]
    own = [_source(argument, None, Path.cwd(), argument)] if found.files else []
    return own + [s for rel in found.repositories for s in _directories(posixpath.join(argument, rel))]


def parse_list(lines: Iterable[str], base: Path, label: str) -> Iterator[Source]:
    """The sources of a list file's ``lines`` (``label`` names it in errors)."""
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not text:
            continue
        if len(text) > MAX_LINE:
            raise ConfigError(f"{label}:{number}: line longer than {MAX_LINE} characters")
        parts = text.split()
        if len(parts) > 2:
            raise ConfigError(f"{label}:{number}: expected LOCATION [REF], got {len(parts)} words")
        location, ref = parts[0], parts[1] if len(parts) == 2 else None
        if ref is not None and (not _REF.match(ref) or ref.startswith("-")):
            raise ConfigError(f"{label}:{number}: {ref!r} is not a branch, tag or commit")
        try:
            yield _source(location, ref, base, location)
        except ConfigError as e:
            raise ConfigError(f"{label}:{number}: {e}") from None


def is_url(location: str) -> bool:
    return bool(_SCHEME.match(location) or (_SCP.match(location) and not Path(location).exists()))


def _source(location: str, ref: str | None, base: Path, written: str) -> Source:
    if "::" in location.split("/", 1)[0]:
        raise ConfigError(f"{redact(location)}: remote helper addresses (helper::address) are not supported")
    scheme = _SCHEME.match(location)
    if scheme:
        if scheme[1].lower() not in SCHEMES:
            raise ConfigError(f"unsupported URL scheme {scheme[1]!r} in {redact(location)} (use {', '.join(SCHEMES)})")
        return Source(_named(url_name(location), ref), location, "git", ref)
    if _SCP.match(location) and not Path(location).exists():
        return Source(_named(url_name(location), ref), location, "git", ref)
    path = Path(location) if Path(location).is_absolute() else base / location
    display = posixpath.normpath(written.replace(os.sep, "/"))
    if is_bare_repository(path):
        return Source(_named(_strip_git(display), ref), path.resolve().as_uri(), "git", ref)
    if ref is not None:
        if not (path / ".git").exists():
            raise ConfigError(f"a ref ({ref}) needs a git repository; {written} is a plain directory")
        return Source(_named(display, ref), path.resolve().as_uri(), "git", ref)
    return Source(display, str(path), "directory")


def _named(name: str, ref: str | None) -> str:
    return f"{name}@{ref}" if ref else name


def is_bare_repository(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir() and not (path / ".git").exists()


def url_name(url: str) -> str:
    """A URL as records name it: host and path, without scheme, credentials or ``.git``."""
    if _SCHEME.match(url):
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        name = host + parts.path
    else:
        match = _SCP.match(url)
        name = f"{match[1]}/{match[2].lstrip('/')}"
    return _strip_git(name.rstrip("/")) or url


def redact(url: str) -> str:
    """``url`` without a password or token (what error messages may show)."""
    return re.sub(r"(://)[^/@]*@", r"\1***@", url)


def _strip_git(name: str) -> str:
    return name[:-4] if name.endswith(".git") else name


def unique(sources: Iterable[Source]) -> list[Source]:
    """``sources`` in order, each (name, location, ref) once."""
    return list(dict.fromkeys(sources))
