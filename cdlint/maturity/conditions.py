"""Detectors for the conditions of practices (``applies-if`` in the model): whether a
repository shows a need for a practice at all, rather than whether it meets it.

They register in the same registry as the evidence detectors, so a model names
them the same way and they are validated the same way.
"""

from __future__ import annotations

import re

from cdlint.finding import Evidence
from cdlint.maturity.detectors import _label, _steps, _what, detector
from cdlint.model import Project

# Container images of database servers, by their repository name (``postgres:16``,
# ``bitnami/mysql``, ``mcr.microsoft.com/mssql/server``): what a service container or a
# job's image says about the project that a step may not.
DATABASE_IMAGES = re.compile(
    r"(?:^|/)(?:postgres|postgis|postgresql|mysql|mariadb|percona|mssql|sqlserver|oracle(?:-xe|linux-db)?|"
    r"cockroach(?:db)?|mongo(?:db)?|cassandra|scylla|couchdb|neo4j|clickhouse(?:-server)?|timescaledb|"
    r"yugabytedb|db2)(?:[/:@]|$)",
    re.IGNORECASE,
)


@detector("database-in-use")
def database_in_use(project: Project) -> list[Evidence]:
    """The project has a database: the pipeline migrates one, or starts a database server as a service or job image."""
    found = [Evidence(step.span, f"'{_label(stage)}' migrates a database: {_what(step)}")
             for stage, step in _steps(project, ("migration",))]
    for stage in project.stages():
        for image in (*stage.services, *([stage.image] if stage.image else [])):
            if DATABASE_IMAGES.search(image):
                found.append(Evidence(stage.span, f"'{_label(stage)}' starts the database server '{image}'"))
    return found
