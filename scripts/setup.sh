#!/usr/bin/env bash
# Installs what Frontdesk needs on a Debian or Ubuntu machine, and only what is missing:
# a second run takes seconds. Sourced by run.sh and test.sh; `--for-tests` adds the
# test tools (tauri-driver, PostgreSQL, poppler-utils, the CUPS client, aiosmtpd
# and ZXing-C++ for the decode benchmark).
#
# Needs root or sudo for the system packages.

frontdesk_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/frontdesk/target}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "run as root (or install sudo) to install: $*"
    fi
}

# Debian packages: Tauri's WebKitGTK stack, the D-Bus headers of the keyring client,
# Xvfb + WebKitWebDriver for windows without a display and for the end-to-end tests, and
# the webcam capture's V4L2 headers with clang for its bindgen build (crates/scan).
apt_packages=(
    build-essential pkg-config file curl ca-certificates git
    libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev
    libssl-dev libxdo-dev libdbus-1-dev
    xvfb xauth webkit2gtk-driver
    libclang-dev clang libv4l-dev
)

install_apt_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null || die "not a Debian/Ubuntu system; install by hand: ${missing[*]}"
        say "Installing system packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

ensure_rust() {
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    if ! command -v cargo >/dev/null; then
        say "Installing Rust (rustup)"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
        . "$HOME/.cargo/env"
    fi
    local have
    have="$(rustc --version | awk '{print $2}')"
    if ! version_at_least "$have" 1.94.0; then
        command -v rustup >/dev/null || die "Rust $have is too old (need 1.94 or newer)"
        say "Updating Rust $have"
        rustup update stable
    fi
}

ensure_node() {
    local have=""
    command -v node >/dev/null && have="$(node --version | tr -d v)"
    if [ -z "$have" ]; then
        install_apt_packages nodejs npm
        have="$(node --version | tr -d v)"
    fi
    # Vite needs Node 20.19+ (or 22.12+).
    version_at_least "$have" 20.19.0 || die "Node.js $have is too old: install Node 20.19 or newer (e.g. from NodeSource) and run again"
}

ensure_ui_packages() {
    local stamp="$frontdesk_root/ui/node_modules/.frontdesk-lock-stamp"
    local lock_sum
    lock_sum="$(sha256sum "$frontdesk_root/ui/package-lock.json" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
        say "Installing UI packages (npm)"
        # `npm install` rather than `npm ci`: the lock lists only this platform's native
        # optional packages (rollup, esbuild, tailwind), which `npm ci` rejects elsewhere.
        (cd "$frontdesk_root/ui" && npm install --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" >"$stamp"
    fi
}

ensure_tauri_driver() {
    if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
        say "Installing tauri-driver"
        cargo install tauri-driver --locked --version 2.1.0
    fi
}

# The notification tests talk to a real SMTP server: Python's aiosmtpd, from Debian's
# package when pip is missing (a bare Debian), else from PyPI.
ensure_aiosmtpd() {
    command -v python3 >/dev/null || install_apt_packages python3
    python3 -c 'import aiosmtpd' 2>/dev/null && return
    if python3 -m pip --version >/dev/null 2>&1; then
        say "Installing aiosmtpd (pip)"
        # Debian's own Python refuses pip installs outside a venv unless told.
        python3 -m pip install --quiet aiosmtpd 2>/dev/null ||
            python3 -m pip install --quiet --break-system-packages aiosmtpd
    else
        install_apt_packages python3-aiosmtpd
    fi
    python3 -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is not importable by python3 after installing it"
}

# The webcam decode benchmark's baseline: ZXing-C++ (`zxing-cpp` on PyPI) with Pillow
# to read the frames, in a venv of its own so that no system Python is touched.
# Debian's Python needs python3-venv for `python3 -m venv`.
zxing_venv="$HOME/.cache/frontdesk/zxing-venv"
ensure_zxing_cpp() {
    "$zxing_venv/bin/python" -c 'import zxingcpp, PIL, numpy' 2>/dev/null && return
    command -v python3 >/dev/null || install_apt_packages python3
    python3 -c 'import venv, ensurepip' 2>/dev/null || install_apt_packages python3-venv
    say "Installing zxing-cpp (pip, into $zxing_venv)"
    python3 -m venv --clear "$zxing_venv" || die "cannot create a Python venv at $zxing_venv"
    "$zxing_venv/bin/python" -m pip install --quiet zxing-cpp pillow numpy ||
        die "pip could not install zxing-cpp into $zxing_venv"
    "$zxing_venv/bin/python" -c 'import zxingcpp, PIL, numpy' || die "zxing-cpp is not importable after installing it"
}

# A PostgreSQL the server tests can create databases in. Uses one that answers on
# 127.0.0.1:5432; otherwise installs Debian's server, creates its cluster if there is
# none, and starts it. Exports FRONTDESK_TEST_POSTGRES_URL.
ensure_postgres() {
    local url="${FRONTDESK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    local with_password="postgres://postgres:frontdesk-test@127.0.0.1:5432/postgres"
    # -w: never prompt. A server that wants a password would otherwise wait on the
    # terminal, invisibly (output goes to /dev/null).
    pg_answers() { command -v psql >/dev/null && PGCONNECT_TIMEOUT=5 psql -w "$1" -Atqc 'select 1' >/dev/null 2>&1; }
    if ! pg_answers "$url" && ! pg_answers "$with_password"; then
        # The server itself, not just the client tools (postgresql-common alone brings
        # pg_ctlcluster but no server).
        if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
            install_apt_packages postgresql postgresql-client
        fi
        local cluster version
        cluster="$(pg_lsclusters -h 2>/dev/null | head -n1)"
        if [ -z "$cluster" ]; then
            version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
            say "Creating PostgreSQL cluster $version/main"
            as_root pg_createcluster "$version" main
            cluster="$(pg_lsclusters -h 2>/dev/null | head -n1)"
        fi
        set -- $cluster
        if [ "$4" != "online" ]; then
            say "Starting PostgreSQL $1/$2"
            as_root pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start
        fi
        for _ in $(seq 1 30); do pg_answers "$url" && break; pg_isready -q -h 127.0.0.1 && break; sleep 1; done
        if ! pg_answers "$url"; then
            # A fresh Debian cluster wants a password over TCP: give the test role one.
            pg_answers "$with_password" ||
                as_root runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'frontdesk-test'"
            pg_answers "$with_password" || die "cannot connect to PostgreSQL at 127.0.0.1:5432"
            url="$with_password"
        fi
    elif ! pg_answers "$url"; then
        url="$with_password"
    fi
    export FRONTDESK_TEST_POSTGRES_URL="$url"
}

frontdesk_setup() {
    install_apt_packages "${apt_packages[@]}"
    ensure_rust
    ensure_node
    ensure_ui_packages
    if [ "${1:-}" = "--for-tests" ]; then
        command -v psql >/dev/null || install_apt_packages postgresql-client
        # The label tests: pdftoppm/pdftotext read the PDFs back; lp is the real CUPS
        # client that a PDF is printed through (no printer needed for its error test).
        install_apt_packages poppler-utils cups-client
        ensure_aiosmtpd
        ensure_zxing_cpp
        ensure_tauri_driver
        ensure_postgres
    fi
}
