#!/bin/sh
# NLP-style per-file loop: word frequencies of each text file (tr | sort | uniq pipelines).
# ideal: independent
mkdir -p out
for f in text/*.txt; do
	name=${f#text/}
	tr -cs 'A-Za-z0-9' '\n' < "$f" | tr A-Z a-z | sort | uniq -c | sort -rn > "out/${name%.txt}.freq"
done
ls out | wc -l
