"""``cdlint fleet``: delivery maturity across many repositories and over time.

``inputs`` turns what the user names (directories, git URLs, bare repositories,
list files) into :class:`~cdlint.fleet.inputs.Source` values; ``git`` fetches
the pipeline files of a git source into a cache and reads them at past commits;
``evaluate`` turns one source into store records (the ``check`` and ``maturity``
v1 documents of each commit); ``engines`` runs that per source in local
processes or on a Dask cluster; ``store`` appends the records to a JSON Lines
file and reads them back; ``summary`` condenses a store for the reports in
``html`` and ``tables`` (Markdown and CSV). Nothing here writes to stdout.
"""
