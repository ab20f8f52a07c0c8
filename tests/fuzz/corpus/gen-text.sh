#!/bin/sh
# Generates N text files of pseudo-random English-like words (deterministic for a given seed).
# Usage: gen-text.sh DIR N WORDS_PER_FILE [SEED]
dir=$1 n=$2 words=$3 seed=${4:-1}
mkdir -p "$dir"
i=1
while [ "$i" -le "$n" ]; do
	awk -v n="$words" -v seed="$((seed * 1000 + i))" 'BEGIN {
		split("the of and to in is was he for it with as his on be at by had are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three", w, " ")
		srand(seed)
		for (k = 1; k <= n; k++) printf "%s%s", w[int(rand() * 180) + 1], (k % 12 ? " " : "\n")
		print ""
	}' >"$dir/text$i.txt"
	i=$((i + 1))
done
