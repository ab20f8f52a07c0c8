# Shared helpers for end-to-end tests (sourced by tests/e2e/*.sh). Output is TAP.
# HS is the hs binary under test; HS_ROOT the source tree; TESTS_TMP a fresh scratch dir.

HS_ROOT=${HS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
HS=${HS:-$HS_ROOT/${HS_BUILD:-build}/hs}
HS_HELPERS=${HS_HELPERS:-$HS_ROOT/${HS_BUILD:-build}/tests/helpers}
_t_n=0
_t_failed=0

# A fresh scratch dir per test script, removed at exit. Not under /tmp: sandboxes and
# overlays must not see their own scratch dirs.
mkdir -p /var/tmp/hs-tests
TESTS_TMP=$(mktemp -d /var/tmp/hs-tests/t.XXXXXX)
trap 'rm -rf "$TESTS_TMP"' EXIT

t_pass() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $1"; }

t_fail() {
	_t_n=$((_t_n + 1)); _t_failed=$((_t_failed + 1))
	echo "not ok $_t_n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	:
}

# t_skip NAME REASON: under CI (CI=true) a skip is a failure.
t_skip() {
	if [ "${CI:-}" = true ]; then
		t_fail "$1" "skip not allowed under CI: $2"
	else
		_t_n=$((_t_n + 1)); echo "ok $_t_n - $1 # SKIP $2"
	fi
}

# t_check NAME CMD...: pass if CMD succeeds, fail (showing its output) otherwise.
t_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then t_pass "$name"; else t_fail "$name" "$out"; fi
}

# t_eq NAME EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "expected: $2" "actual:   $3"; fi
}

t_done() { echo "1..$_t_n"; [ "$_t_failed" -eq 0 ]; }
