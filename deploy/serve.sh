#!/bin/sh
# Start Tenantry from the environment install-wheel.sh made: the container's entry point, and
# what tests/packaging/test_wheel.py runs. Arguments go to `tenantry serve` (e.g. --workers 4).
set -eu
exec "${TENANTRY_HOME:-/opt/tenantry}/bin/tenantry" serve \
  --host "${TENANTRY_HOST:-0.0.0.0}" --port "${TENANTRY_PORT:-8000}" "$@"
