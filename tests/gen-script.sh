#!/bin/bash
# gen-script.sh SEED [STATEMENTS]: prints a random POSIX sh script over a small world of files,
# deterministic from SEED (its own LCG, so the same seed gives the same script on any bash).
# The world: files a b c d e (lines of fruit words), directories D and E (D holds x and y).
# Statements: cat, sort, grep, tr, head, wc, cp, mv, rm, mkdir, ls, echo/printf with > and >>,
# for loops (over globs and words), while-read loops, if/else, variables and $(cmd), cd in
# subshells, slow commands finishing out of order, slow writers read by later commands
# (stacking), occasionally set -e or an exit. GEN_STACK=1: many more of those writers.
# The script carries its own "# setup:" lines (for tests/difftest) and a "# seed:" line.
set -u
seed=${1:?usage: gen-script.sh SEED [STATEMENTS]}
nstmt=${2:-}

# LCG (glibc constants); R=random in [0, n).
state=$(((seed * 2654435761 + 1) & 0x7fffffff))
rnd() {
	state=$(((state * 1103515245 + 12345) & 0x7fffffff))
	R=$(((state >> 8) % $1))
}
pick() { # pick WORD...: PICK=one of them
	rnd $#
	shift "$R"
	PICK=$1
}

files=(a b c d e D/x D/y E/z new1 new2)
words=(apple pear fig kiwi plum)
globs=('*' '[abc]' 'D/*' 'E/*' 'new*' '[de]')
dirs=(D E D/sub E/deep/er F)

file() { rnd ${#files[@]}; F=${files[$R]}; }
word() { rnd ${#words[@]}; W=${words[$R]}; }
dir() { rnd ${#dirs[@]}; DIR=${dirs[$R]}; }
redir() { pick '>' '>' '>>'; RD=$PICK; }

# simple: one simple command or pipeline (no compound), on stdout S.
simple() {
	local f1 f2
	file; f1=$F
	file; f2=$F
	# Never read and append the same file (tr a < f >> f grows forever).
	while [ "$f2" = "$f1" ]; do file; f2=$F; done
	word
	redir
	rnd 30
	case $R in
	0) S="cat $f1 $RD $f2" ;;
	1) S="cat $f1 $f2" ;;
	2) pick '' -r -u; S="sort $PICK $f1 $RD $f2" ;;
	3) pick '' -v -c; S="grep $PICK $W $f1 $RD $f2" ;;
	4) S="grep -c $W $f1" ;;
	5) S="tr a-z A-Z < $f1 $RD $f2" ;;
	6) rnd 3; S="head -n $((R + 1)) $f1 $RD $f2" ;;
	7) S="wc -l < $f1" ;;
	8) S="cp $f1 $f2" ;;
	9) S="mv $f1 $f2" ;;
	10) S="rm -f $f1" ;;
	11) dir; S="mkdir -p $DIR" ;;
	12) dir; S="ls $DIR" ;;
	13) S="echo $W $RD $f1" ;;
	14) S="env echo $W $RD $f1" ;;
	15) S="printf '%s\\n' $W $f2 $RD $f1" ;;
	16) S="cat $f1 2>/dev/null | sort | uniq -c $RD $f2" ;; # one stderr writer: no race
	17) S="sort $f1 $f2 | head -n 2" ;;
	18) rnd 4; S="sh -c 'sleep 0.0$((R * 2)); cat $f1' $RD $f2" ;;
	19) rnd 4; S="sh -c 'sleep 0.0$((R * 2)); echo $W' $RD $f1" ;;
	20) S="ls" ;;
	21) S="cat $f1 2>&1" ;;
	22) S="rm -rf D" ;;
	23) dir; S="ls $DIR > listing" ;;
	24) S="test -e $f1 && echo yes-$f1 || echo no-$f1" ;;
	25) dir; S="cp $f1 $DIR/ 2>/dev/null" ;;
	26) S="sed 's/$W/X/' $f1 $RD $f2" ;;
	27) S="find . -name '$f1' | sort" ;;
	28) S="cut -c1-3 $f1 $RD $f2" ;;
	29) S="md5sum $f1" ;;
	esac
}

# stmt DEPTH: one statement into S (compound forms only at depth 0/1).
stmt() {
	local depth=$1 body1 body2 c
	rnd 35
	# GEN_STACK=1: half of the statements at the top are the stacking ones (32, 33).
	if [ "${GEN_STACK:-0}" = 1 ] && [ "$depth" -eq 0 ] && [ $((R % 2)) = 0 ]; then
		R=$((32 + R / 2 % 2))
	fi
	if [ "$depth" -ge 2 ] || [ "$R" -lt 11 ]; then
		simple
		return
	fi
	case $R in
	11 | 12)
		pick "${globs[@]}"
		local g=$PICK
		file
		pick "sort \"\$f\" > \"\$f.s\"" "cat \"\$f\" >> $F" "tr a-z A-Z < \"\$f\" > \"\$f.up\"" \
			"echo \"\$f\" >> $F" "grep -c a \"\$f\"" "rm -f \"\$f\"" "cp \"\$f\" E/"
		body1=$PICK
		S="for f in $g; do [ -f \"\$f\" ] || continue; $body1; done"
		;;
	13)
		simple; body1=$S
		word; local w1=$W
		word
		S="for w in $w1 $W; do echo \"\$w\" >> $F; $body1; done"
		;;
	14 | 15)
		pick "grep -q ${words[0]}" "grep -q ${words[2]}" "test -f" "test -s" "test -d"
		c=$PICK
		file
		if [ "$c" = "test -d" ]; then dir; F=$DIR; fi
		stmt $((depth + 1)); body1=$S
		stmt $((depth + 1)); body2=$S
		S="if $c $F; then $body1; else $body2; fi"
		;;
	16)
		file; local src=$F
		file
		while [ "$F" = "$src" ]; do file; done
		S="while read -r line; do echo \"<\$line>\" >> $F; done < $src 2>/dev/null"
		;;
	17)
		file
		pick "\$(wc -l < $F)" "\$(head -n 1 $F)" "\$(cat $F | sort | tail -n 1)" "\$(ls | wc -l)"
		file
		S="v=$PICK; echo \"v=\$v\" >> $F"
		;;
	18)
		dir; local d=$DIR
		simple
		S="mkdir -p $d && (cd $d && $S)"
		;;
	19)
		simple; body1=$S
		S="$body1; echo \"rc=\$?\""
		;;
	20)
		file
		word
		S="case \$(head -n 1 $F 2>/dev/null) in $W*) echo case-$W;; '') echo case-empty;; *) sort $F | head -n 1;; esac"
		;;
	21)
		dir
		S="cd $DIR 2>/dev/null && { ls; cd - >/dev/null; } || echo no-$DIR"
		;;
	22)
		simple; body1=$S
		S="fn() { $body1; }; fn; fn >/dev/null"
		;;
	23)
		file
		S="if v=\$(grep -c fig $F 2>/dev/null); then echo \"figs \$v\"; else echo \"none \$v\"; fi"
		;;
	24)
		file; local src=$F
		S="sort $src 2>/dev/null | while read -r a b; do echo \"\$b|\$a\"; done"
		;;
	25)
		simple; body1=$S
		rnd 3
		S="i=0; while [ \$i -lt $((R + 1)) ]; do i=\$((i + 1)); $body1; done"
		;;
	26)
		file
		S="{ echo start; cat $F 2>&1; echo end; } > group.out; wc -l < group.out"
		;;
	27)
		word; local w1=$W
		word
		S="set -- $w1 $W \"\$@\"; echo \"\$# \$1\"; shift; echo \"\$*\""
		;;
	28)
		file
		S="IFS=:; for x in a:b:c; do echo \"\$x\" >> $F; done; unset IFS"
		;;
	29)
		# A here-document body must follow its own line: only at the top level.
		if [ "$depth" -gt 0 ]; then simple; return; fi
		file
		word
		S="cat > $F <<EOT
$W \$(echo sub)
line two
EOT"
		;;
	30)
		simple; body1=$S
		word
		S="export VAR=$W\${VAR:-x}; sh -c 'echo \"var=\$VAR\"'; $body1"
		;;
	31)
		file
		S="! grep -q plum $F 2>/dev/null && echo no-plum-$F || echo plum-or-missing"
		;;
	32)
		# A slow writer, then what the shell does itself, then a reader of what it wrote
		# (by name: a dependency from the text): readers run on the writer's finished,
		# uncommitted run (stacking), and must see the shell's change in between.
		file; local src=$F
		file; local out=$F
		word
		rnd 4; local nap=$((R * 3))
		pick "cat $src" "sort $src" "echo $W" "cat $src 2>/dev/null | wc -l"
		local make="sh -c 'sleep 0.$((nap / 10))$((nap % 10)); $PICK 2>/dev/null' > p.\$i"
		pick "" "echo $W > p.\$i" "echo $W >> p.\$i" "rm -f p.\$i" ": > p.\$i" \
			"echo $W >> $src" "mkdir -p D" "mv p.\$i q.\$i 2>/dev/null"
		local between=$PICK
		pick "cat p.\$i" "sort p.\$i > $out" "sh -c 'sleep 0.1; cat \"\$0\"' p.\$i" \
			"wc -l < p.\$i" "cat p.\$i q.\$i 2>&1 >> $out" "ls"
		S="for i in 1 2 3; do $make; ${between:+$between; }$PICK; done"
		;;
	33)
		# The same with a directory replaced, and readers that learn the dependency.
		word
		pick "ls D" "cat D/* 2>&1" "find D | sort" "ls -R D E"
		S="for i in 1 2 3; do sh -c 'sleep 0.1; rm -rf D; mkdir -p D; echo $W > D/n\$0' \$i; $PICK; done"
		;;
	34)
		# An exported variable that plain assignments extend, read by later commands only
		# through their environment (runs replay the assignments before their node, and
		# must not apply one the shell has already run a second time).
		word
		pick "printenv ACC" "env | grep -c '^ACC=$W'" "sh -c 'echo \"\${ACC%%:*}\"'"
		rnd 2
		if [ "$R" = 0 ]; then
			S="export ACC; ACC=$W:\${ACC-}; sleep 0.1; $PICK"
		else
			S="export ACC; for i in 1 2; do ACC=$W\$i:\${ACC-}; $PICK; done"
		fi
		;;
	esac
}

echo "#!/bin/sh"
echo "# Random engine fuzz script (tests/gen-script.sh $seed): compared with dash by difftest."
echo "# seed: $seed"
echo "# setup: printf 'apple\\npear\\nfig\\napple\\nkiwi\\n' > a; printf 'plum\\nfig\\n' > b"
echo "# setup: seq 1 20 | sed 's/^/pear /' > c; printf 'kiwi kiwi\\nplum\\n' > d; : > e"
echo "# setup: mkdir -p D E; echo fig > D/x; printf 'apple\\n' > D/y"
rnd 10
[ "$R" = 0 ] && echo "set -e"
if [ -z "$nstmt" ]; then rnd 16; nstmt=$((R + 8)); fi
for ((i = 0; i < nstmt; i++)); do
	stmt 0
	echo "$S"
	rnd 60
	[ "$R" = 0 ] && echo "exit 3"
done
echo 'ls -R'
echo 'cat a b c d e 2>&1 | md5sum'
