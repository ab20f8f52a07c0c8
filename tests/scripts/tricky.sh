# Places where a wrapper could change meaning: case arms, elif, function bodies that are
# loops, nodes next to ;; } ) and here-documents, $? around loops, set -e with hoisted lists.
f() for a in "$@"; do ls -d "$a" 2>&1 | cat; done
f / /nonexistent
g() if true; then ls -d /; fi
g
case y in y) ls -d /tmp;; esac
case z in
z) cat /dev/null; echo "st $?";;
esac
if false; then :; elif ls -d / >/dev/null; then echo elif-ok; fi
{ ls -d /; }
x=$(ls -d /); echo "$x"
cat <<EOF; echo "after heredoc"
heredoc body
EOF
false
for i in 1 2; do echo "dollar-q at loop start: $?"; false; done
echo "loop status $?"
false
for i in $(echo a b); do ls -d / > /dev/null; done; echo "after loop $?"
set -e
for e in $(false; echo x) y; do echo "item $e" | cat; done
for z in *.none $(echo made > made.txt; echo m); do echo "glob then cmdsub: $z"; done
ls made.txt
for q in \
	one two; do echo "$q" | cat; done
k=0
for w in $(echo 1 2) ${k}; do echo "w=$w" | tr w W; done
for u in "$(echo "inner quoted")" `echo bq`; do echo "u=$u" | cat; done
echo \
  continued | cat
ls /nonexistent 2>/dev/null || echo "or after node"
! ls /nonexistent 2>/dev/null
echo "bang kept: $?"
true && ls -d / | cat && echo chained
t() { ls -d /; return 3; }
t || echo "t returned $?"
