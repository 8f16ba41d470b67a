#!/usr/bin/env bash
# Creates (once) the numpy/scipy virtualenv under .cache/ for the corpus
# analysis scripts and prints its python path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.cache/analysis-venv"
req="$root/scripts/corpus/requirements-analysis.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
