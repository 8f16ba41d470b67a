#!/usr/bin/env bash
# The project's test command (the README's second set-up command).
# Installs the Debian packages the tests need (scripts/setup.sh, idempotent),
# fetches the Debian binaries some tests check against (cached under .cache/),
# then runs every test of the workspace. VEXIL_REQUIRE_CORPUS=1 makes tests
# that need fetched files fail, rather than skip, when the files are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -x scripts/fetch-test-corpus.sh ]; then
  scripts/fetch-test-corpus.sh
fi
export VEXIL_REQUIRE_CORPUS=${VEXIL_REQUIRE_CORPUS:-1}
cargo test --workspace --locked "$@"
