"""Metrics, structured logs and traces: how an operator sees a running server (README "Operations")."""
