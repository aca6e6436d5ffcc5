"""cdlint: lint CI/CD pipelines for continuous delivery practices."""

__version__ = "0.1.0"
