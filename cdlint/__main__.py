import os
import sys

# `python -m cdlint` puts the current directory first on sys.path (unless -P or
# PYTHONSAFEPATH): run in a repository being checked, that repository's files would
# shadow the modules cdlint imports as it goes, and its `*.dist-info` would offer rule
# plugins. cdlint itself is already imported from where it is installed.
if not sys.flags.safe_path and sys.path and os.path.realpath(sys.path[0] or os.curdir) == os.path.realpath(os.curdir):
    del sys.path[0]

from cdlint.cli import main  # noqa: E402

main()
