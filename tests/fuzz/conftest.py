"""Fuzz tests report how many cases they ran: each test records ``fuzz_cases`` in its
user properties (which xdist carries to the controller) and the total is printed at the end."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    total = 0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if getattr(report, "when", "call") == "call":
            total += sum(int(value) for name, value in getattr(report, "user_properties", []) if name == "fuzz_cases")
    if total:
        terminalreporter.write_sep("-", f"fuzzing: {total} generated cases run")
