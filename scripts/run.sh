#!/usr/bin/env bash
# Runs the product: installs what is missing, builds, starts the building server on an
# embedded SQLite file with the demo building (Lofts des Arts), and opens the desk app
# signed in to it as the demo concierge. Ctrl+C (or closing the window) stops both.
#
#   bash scripts/run.sh
#
# With no display (a server, CI, SSH), the app runs under Xvfb and a screenshot of its
# window is saved in .frontdesk-demo/. Settings: FRONTDESK_DEMO_PORT (default 8080).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$frontdesk_root"
frontdesk_setup

say "Building the UI and the binaries"
npm --prefix ui run --silent build
# The same build as the tests (one feature set, so one cached build serves both).
cargo build --locked --workspace --bins
bin="$CARGO_TARGET_DIR/debug"

demo_dir="$frontdesk_root/.frontdesk-demo"
mkdir -p "$demo_dir"
port="${FRONTDESK_DEMO_PORT:-8080}"
server_url="http://127.0.0.1:$port"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use: stop what listens there or set FRONTDESK_DEMO_PORT"
fi

say "Starting the building server with the demo building on $server_url"
"$bin/frontdesk-server" --database "sqlite://$demo_dir/server.db" serve --demo --listen "127.0.0.1:$port" &
pids+=($!)
for _ in $(seq 1 100); do
    curl -fsS "$server_url/healthz" >/dev/null 2>&1 && break
    kill -0 "${pids[0]}" 2>/dev/null || die "the server stopped; see its output above"
    sleep 0.2
done
curl -fsS "$server_url/healthz" >/dev/null || die "the server did not answer on $server_url"

if [ -z "${DISPLAY:-}" ]; then
    display=":99"
    while [ -e "/tmp/.X${display#:}-lock" ]; do display=":$(( ${display#:} + 1 ))"; done
    say "No display: starting Xvfb on $display"
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
    pids+=($!)
    export DISPLAY="$display"
    headless=1
    for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
fi

say "Opening the desk app, signed in as concierge@lofts-des-arts.demo"
FRONTDESK_PASSWORD=concierge-demo "$bin/frontdesk" \
    --data-dir "$demo_dir/desk" \
    --server "$server_url" \
    --sign-in concierge@lofts-des-arts.demo &
app=$!
pids+=($app)

if [ -n "${headless:-}" ]; then
    sleep 8
    if ! command -v import >/dev/null; then
        say "The app runs under Xvfb (no screen here); no screenshot of its window: ImageMagick's import is not installed"
    elif import -display "$DISPLAY" -window root "$demo_dir/screenshot.png" 2>/dev/null; then
        say "The app runs under Xvfb (no screen here); its window: $demo_dir/screenshot.png"
    else
        say "The app runs under Xvfb (no screen here); the screenshot of its window failed"
    fi
fi
say "Running. The demo accounts are printed above. Ctrl+C stops the app and the server."
wait "$app"
