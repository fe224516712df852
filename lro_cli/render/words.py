"""The words for how an operation's wait ended, shared by every place that says it (the log,
the live view, GitHub annotations and summaries, the error lines of `wait`)."""

from __future__ import annotations

from lro_cli.errors import ExitCode

# Exits that stop the run rather than describe an operation.
STOPS: tuple[ExitCode, ...] = (ExitCode.INTERRUPTED, ExitCode.TERMINATED, ExitCode.PIPE_CLOSED)

# What happened to an operation whose wait did not end in success.
WHAT_HAPPENED: dict[ExitCode, str] = {
    ExitCode.FAILED: "failed",
    ExitCode.CANCELLED: "was cancelled",
    ExitCode.NOT_FOUND: "not found",
    ExitCode.AUTH: "authentication refused",
    ExitCode.UNREACHABLE: "unreachable",
    ExitCode.PROTOCOL: "protocol error",
    ExitCode.USAGE: "refused",
    ExitCode.TIMEOUT: "timed out",
}

# In place of a state, for an operation that was never read: why.
NEVER_READ: dict[ExitCode, str] = {
    ExitCode.NOT_FOUND: "not found",
    ExitCode.AUTH: "refused",
    ExitCode.UNREACHABLE: "unreachable",
    ExitCode.PROTOCOL: "unreadable",
    ExitCode.USAGE: "refused",
    ExitCode.TIMEOUT: "timed out",
}
