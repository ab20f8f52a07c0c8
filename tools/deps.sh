#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages hs needs to build and test.
# Why each one is there: see README.md, "Dependencies".
set -e
PKGS="build-essential pkg-config libbsd-dev uthash-dev libmount-dev libseccomp-dev dash check
attr strace util-linux hyperfine clang libclang-rt-14-dev"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "hs: missing packages:$missing" >&2
	echo "hs: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "hs: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
