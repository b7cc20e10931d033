"""The one class of expected failures: the CLI prints its message as one line and exits non-zero.

Anything else that escapes is a bug and keeps its traceback. Subclasses exist where a caller
tells them apart (a collision exits 3; bad settings and unreadable sources exit 2).
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; the message says what and how, in one line."""

    exit_code = 1


class ConfigError(UserError, ValueError):
    """A setting, flag or settings file that cannot be used as given."""

    exit_code = 2


class SourceError(UserError):
    """A source the run cannot read; the message names the file and the reason."""

    exit_code = 2


class MissingExtra(UserError):
    """An optional dependency the requested feature needs is not installed."""
