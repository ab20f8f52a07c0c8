#!/bin/sh
# Tracer overhead, side by side in one run: each workload untraced, under `hs trace`, and under
# `strace -f --seccomp-bpf -e trace=%file,%network -o /dev/null`. Runs are interleaved
# (untraced, hs, strace, untraced, ...) and the best of N is kept, so that noise from other
# load hits all three alike. Prints seconds and ratios to untraced.
# Usage: bench/tracer.sh [N]   (N runs per cell, default 5). Env: HS (the hs binary),
# HS_TRACE_OPTS (extra options for hs trace, e.g. "--backend ptrace").
set -eu
cd "$(dirname "$0")/.."
N=${1:-5}
HS=${HS:-$PWD/build/hs}
[ -x "$HS" ] || { echo "bench/tracer.sh: build hs first (make)" >&2; exit 1; }
command -v strace >/dev/null || { echo "bench/tracer.sh: strace missing" >&2; exit 1; }
tmp=$(mktemp -d /var/tmp/hs-bench-tracer.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# A compile unit pulling in a good share of the C library's headers.
cat >"$tmp/unit.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <math.h>
#include <time.h>
#include <errno.h>
int main(void) { printf("%s %d\n", strerror(errno), (int)sqrt(time(NULL))); return 0; }
EOF

W_tar="tar cf $tmp/out.tar /usr/include 2>/dev/null"
W_find="find /usr/include >/dev/null && ls -lR /usr/include >/dev/null"
W_gcc="cd $tmp && for i in 1 2 3 4 5; do gcc -O1 -c unit.c -o unit.o; done"
W_true="i=0; while [ \$i -lt 300 ]; do /bin/true; i=\$((i+1)); done"

now() { date +%s%N; }

# run MODE WORKLOAD: prints elapsed nanoseconds
run() {
	t0=$(now)
	case $1 in
	none) sh -c "$2" ;;
	hs) "$HS" trace ${HS_TRACE_OPTS:-} -o /dev/null -- sh -c "$2" ;;
	strace) strace -f --seccomp-bpf -e trace=%file,%network -o /dev/null sh -c "$2" ;;
	esac
	t1=$(now)
	echo $((t1 - t0))
}

echo "tracer overhead: best of $N, $(nproc) cores ($(uname -r)); hs trace ${HS_TRACE_OPTS:-}"
printf '%-26s %9s %9s %9s %8s %8s %10s\n' workload untraced hs-trace strace hs/none \
	strace/none strace/hs
for w in tar find gcc true; do
	eval "cmd=\$W_$w"
	sh -c "$cmd" >/dev/null 2>&1 || true # warm the page cache
	bn= bh= bs=
	i=0
	while [ $i -lt "$N" ]; do
		for m in none hs strace; do
			t=$(run $m "$cmd")
			eval "b=\${b$(echo $m | cut -c1):-}"
			case $m in
			none) [ -z "$bn" ] || [ "$t" -lt "$bn" ] && bn=$t ;;
			hs) [ -z "$bh" ] || [ "$t" -lt "$bh" ] && bh=$t ;;
			strace) [ -z "$bs" ] || [ "$t" -lt "$bs" ] && bs=$t ;;
			esac
		done
		i=$((i + 1))
	done
	case $w in
	tar) name="tar cf /usr/include" ;;
	find) name="find + ls -lR /usr/include" ;;
	gcc) name="5x gcc -O1 -c" ;;
	true) name="300x /bin/true" ;;
	esac
	awk -v n="$name" -v a="$bn" -v b="$bh" -v c="$bs" 'BEGIN {
		printf "%-26s %8.3fs %8.3fs %8.3fs %7.2fx %10.2fx %9.2fx\n", n, a/1e9, b/1e9, c/1e9,
			b/a, c/a, c/b }'
done
