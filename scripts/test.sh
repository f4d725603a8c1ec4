#!/usr/bin/env bash
# Runs the whole Frontdesk test suite: UI unit tests, formatting and lints, every Rust
# test (desk-core, the server on SQLite and PostgreSQL, the end-to-end tests of the real
# app under Xvfb over WebDriver). Installs what is missing first.
#
#   bash scripts/test.sh
#
# Screenshots of the end-to-end tests land in test-artifacts/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$frontdesk_root"
frontdesk_setup --for-tests

started=$SECONDS
timed() {
    local name="$1"; shift
    local t0=$SECONDS
    say "$name"
    "$@"
    printf '    (%s: %ds)\n' "$name" $((SECONDS - t0))
}

timed "UI: type check" npm --prefix ui run --silent typecheck
logs="$(mktemp -d)"
run_logged() { local log="$1"; shift; "$@" 2>&1 | tee "$log"; }
timed "UI: unit tests (Vitest)" run_logged "$logs/vitest.log" npm --prefix ui test --silent
# The app embeds ui/dist, so the UI is built before the Rust workspace.
timed "UI: production build" npm --prefix ui run --silent build

timed "Rust: formatting" cargo fmt --all -- --check
timed "Rust: build every binary" cargo build --workspace --bins --locked
timed "Rust: clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
# --lib --bins --tests: every test target; the crates have no doc tests to run.
timed "Rust: tests" run_logged "$logs/cargo.log" cargo test --workspace --locked --lib --bins --tests

# ts-rs rewrote ui/src/bindings while the tests ran: it must match what is committed,
# or the UI was type-checked against stale types.
if git rev-parse --git-dir >/dev/null 2>&1; then
    if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
        git status --short -- ui/src/bindings
        die "ui/src/bindings is out of date with the Rust types: commit the regenerated files"
    fi
fi

# One closing line with the totals of both runners.
ui_passed="$(sed 's/\x1b\[[0-9;]*m//g' "$logs/vitest.log" | grep -E '^ +Tests ' | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)"
ui_failed="$(sed 's/\x1b\[[0-9;]*m//g' "$logs/vitest.log" | grep -E '^ +Tests ' | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)"
read -r rust_passed rust_failed < <(awk '/^test result:/ {p += $4; f += $6} END {print p + 0, f + 0}' "$logs/cargo.log")
say "All tests passed in $((SECONDS - started)) s (UI: $ui_passed, Rust: $rust_passed)"
echo "$((ui_passed + rust_passed)) passed, $((ui_failed + rust_failed)) failed"
