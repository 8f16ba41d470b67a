#!/usr/bin/env bash
# Creates (once, and again when the requirements change) a Python virtualenv
# under .cache/NAME-venv with the pinned REQUIREMENTS, and prints its python
# path. The reference tools (pyvex, unicorn) and the corpus analysis
# (numpy, scipy) each live in their own.
#
#   scripts/python-env.sh NAME REQUIREMENTS.txt
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 NAME REQUIREMENTS.txt" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.cache/$1-venv"
req=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
