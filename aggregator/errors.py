"""The AggregatorError hierarchy: failures a user can act on.

The CLI prints ``aggregator: <str(error)>`` on one line and exits with ``exit_code``.
Unexpected exceptions are not wrapped: their traceback is what cron should mail.
"""


class AggregatorError(Exception):
    """A failure the user can act on; the CLI prints str(self) on one line."""

    exit_code = 1


class SourcesError(AggregatorError):
    """Invalid sources file; raised by aggregator.sources, names file, source and field."""


class UnknownSource(SourcesError):
    """A source named on the command line is not in the sources file (a usage error, exit 2);
    raised by aggregator.sources.select_sources."""

    exit_code = 2


class ArchiveError(AggregatorError):
    """The archive cannot be opened or migrated; raised by aggregator.archive."""


class LockHeld(AggregatorError):
    """Another run holds the lock file next to the archive; raised by aggregator.runner."""

    exit_code = 75


class RunFailed(AggregatorError):
    """One or more sources failed or are degraded; raised by aggregator.runner."""
