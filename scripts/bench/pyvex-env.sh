#!/usr/bin/env bash
# The pyvex virtualenv (.cache/pyvex-venv); prints its python path.
exec "$(dirname "$0")/../python-env.sh" pyvex "$(dirname "$0")/requirements-pyvex.txt"
