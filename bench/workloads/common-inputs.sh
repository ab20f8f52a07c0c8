# Sourced by the *.inputs.sh scripts: deterministic generators (awk, seeded). BENCH_QUICK=1
# makes everything smaller. Nothing is downloaded.
quick=${BENCH_QUICK:-0}

# gen_text SEED LINES: English-like text (Zipf-ish word frequencies, some numbers and capitals).
gen_text() {
	awk -v seed="$1" -v lines="$2" 'BEGIN {
	n = split("the of and to in is was he for it with as his on be at by had are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three river mountain garden letter window morning evening winter summer station harbour", V, " ")
	srand(seed)
	for (i = 0; i < lines; i++) {
		line = ""
		for (j = 0; j < 12; j++) {
			r = rand(); w = V[int(n * r * r * r) + 1]
			if (rand() < 0.1) w = toupper(substr(w, 1, 1)) substr(w, 2)
			if (rand() < 0.3) w = w sprintf("%d", int(rand() * 300))
			line = line w (rand() < 0.1 ? ", " : " ")
		}
		print line
	}}'
}
