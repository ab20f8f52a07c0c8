# set -e: nodes failing in tested and untested positions, functions, !, pipelines.
set -e
false || echo "or-list ok"
ls /nonexistent 2>/dev/null && echo never || echo "and-or ok"
if ! grep -q nope /etc/hostname; then echo "negated ok"; fi
! grep -q nope /etc/hostname
echo "bang pipeline does not exit"
f() { grep -q nope /etc/hostname; echo "not reached in f"; }
f || echo "function failed in tested position"
cat /etc/hostname | grep -q nope || echo "pipeline failed ok"
x=$(ls /nonexistent 2>&1 || true); echo "x has ${#x} chars"
while ls /nonexistent 2>/dev/null; do :; done
echo "before the failing node"
ls /nonexistent-final
echo "not reached"
