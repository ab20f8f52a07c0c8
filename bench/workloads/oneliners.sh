#!/bin/sh
# 32 independent one-liner pipelines over generated logs, text and CSV (each its own output).
# ideal: independent
mkdir -p out
awk '{print $1}' logs/access.log | sort | uniq -c | sort -rn | head -20 > out/01-top-ips
awk '{print $7}' logs/access.log | sort | uniq -c | sort -rn > out/02-top-paths
awk '{print $9}' logs/access.log | sort | uniq -c > out/03-status
grep -c '" 404 ' logs/access.log > out/04-404s
grep '" 500 ' logs/access.log | awk '{print $7}' | sort | uniq -c | sort -rn > out/05-500-paths
awk '{s += $10} END {print s}' logs/access.log > out/06-bytes
awk '{print $NF}' logs/access.log | sort -n | tail -1 > out/07-slowest
cut -d'"' -f4 logs/access.log | sort | uniq -c | sort -rn > out/08-agents
grep -v Googlebot logs/access.log | wc -l > out/09-humans
awk '$6 ~ /POST/ {print $7}' logs/access.log | sort -u > out/10-post-paths
sed 's/\[[0-9]*\]//' logs/access.log | md5sum > out/11-md5
tr -s ' ' '\n' < logs/access.log | wc -l > out/12-fields
grep -c ERROR logs/app.log > out/13-errors
awk '{print $3}' logs/app.log | sort | uniq -c > out/14-levels
grep WARN logs/app.log | awk '{print $4}' | sort | uniq -c | sort -rn > out/15-warn-components
awk '{split($NF, a, "="); if (a[2] > 3000) n++} END {print n}' logs/app.log > out/16-slow
cut -c1-7 logs/app.log | sort | uniq -c > out/17-per-month
grep -o 'id=[0-9]*' logs/app.log | sort -u | wc -l > out/18-ids
sort -k2,2 logs/app.log | tail -5 > out/19-late
grep -E 'timeout|reset' logs/app.log | cut -d' ' -f4 | sort | uniq -c > out/20-net
tr -cs 'A-Za-z' '\n' < book.txt | tr A-Z a-z | sort | uniq -c | sort -rn | head -50 > out/21-words
wc -w < book.txt > out/22-wordcount
tr -cs 'A-Za-z' '\n' < book.txt | awk 'length > 6' | sort -u > out/23-long-words
grep -o '[0-9][0-9]*' book.txt | sort -n | uniq | tail -3 > out/24-numbers
awk '{print length}' book.txt | sort -n | uniq -c | sort -rn | head > out/25-line-lengths
rev < book.txt | sort | head -100 > out/26-rev
awk -F, 'NR > 1 {s[$2] += $4 * $5} END {for (c in s) printf "%s %.2f\n", c, s[c]}' sales.csv | sort > out/27-city-revenue
awk -F, 'NR > 1 {q[$3] += $4} END {for (p in q) print p, q[p]}' sales.csv | sort -k2 -n > out/28-product-qty
cut -d, -f6 sales.csv | sort -n | uniq -c | sort -rn | head > out/29-busy-days
sort -t, -k5 -n -r sales.csv | head -20 > out/30-top-sales
grep -c ',Paris,' sales.csv > out/31-paris
awk -F, 'NR > 1 && $4 > 15' sales.csv | cut -d, -f2,3 | sort | uniq -c | sort -rn > out/32-bulk
ls out | wc -l
