#!/bin/sh
# Install a built Tenantry wheel into a new virtual environment.
#   install-wheel.sh PREFIX WHEEL [PIP OPTION...]
# The container recipe (deploy/Containerfile) runs this, and so does the test that proves the
# wheel works (tests/packaging/test_wheel.py), so the two cannot drift apart.
set -eu
prefix=$1
wheel=$2
shift 2
"${PYTHON:-python3}" -m venv "$prefix"
"$prefix/bin/python" -m pip install --quiet --disable-pip-version-check "$@" "$wheel"
