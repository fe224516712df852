"""Exit codes and the error tree, in one place.

    LroError                 (carries an ExitCode and one line for standard error)
    ├── UsageError           2  bad flag, unknown profile, URL matching no profile, unsupported verb
    ├── ConfigError          2  invalid config file: names file, profile and key
    ├── NotFoundError        4
    ├── AuthError            5  401 after one token refresh, 403
    ├── UnreachableError     6  connection refused, error budget spent, TLS verification failed
    └── ProtocolError        7  unreadable bodies, unreadable end state, rejected request

Exit codes are API: scripts branch on them. SPEC.md "Exit codes" is the contract.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    CANCELLED = 3
    NOT_FOUND = 4
    AUTH = 5
    UNREACHABLE = 6
    PROTOCOL = 7
    IN_PROGRESS = 8
    TIMEOUT = 124
    INTERRUPTED = 130
    PIPE_CLOSED = 141
    TERMINATED = 143


# Most severe first: when several operations end differently, the first present wins.
SEVERITY: tuple[ExitCode, ...] = (
    ExitCode.INTERRUPTED,
    ExitCode.TERMINATED,
    ExitCode.PIPE_CLOSED,
    ExitCode.USAGE,
    ExitCode.AUTH,
    ExitCode.NOT_FOUND,
    ExitCode.PROTOCOL,
    ExitCode.UNREACHABLE,
    ExitCode.FAILED,
    ExitCode.CANCELLED,
    ExitCode.TIMEOUT,
    ExitCode.IN_PROGRESS,
    ExitCode.OK,
)


def most_severe(codes: Iterable[ExitCode]) -> ExitCode:
    present = set(codes)
    for code in SEVERITY:
        if code in present:
            return code
    return ExitCode.OK


class LroError(Exception):
    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(LroError):
    exit_code = ExitCode.USAGE


class ConfigError(LroError):
    exit_code = ExitCode.USAGE


class NotFoundError(LroError):
    exit_code = ExitCode.NOT_FOUND


class AuthError(LroError):
    exit_code = ExitCode.AUTH


class UnreachableError(LroError):
    exit_code = ExitCode.UNREACHABLE


class ProtocolError(LroError):
    exit_code = ExitCode.PROTOCOL
