# One gzip'd tar per year (12 years; 4 in quick mode), each with 6 CSV files of daily records.
. "$(dirname "$0")/common-inputs.sh"
mkdir -p archives stage
y0=2005 y1=2016 rows=60000
[ "$quick" = 1 ] && y1=2008 rows=10000
y=$y0
while [ $y -le $y1 ]; do
	mkdir -p stage/$y
	for s in 1 2 3 4 5 6; do
		awk -v seed=$y$s -v n=$rows -v y=$y -v s=$s 'BEGIN { srand(seed);
			split("clear clear rain rain cloudy snow storm fog", W, " ")
			for (i = 0; i < n; i++)
				printf "%d-%03d,station%d,%.1f,%.1f,%s,%d\n", y, i % 365, s, rand() * 40 - 5, rand() * 30,
					W[int(rand() * 8) + 1], int(rand() * 100)
			}' > stage/$y/station$s.csv
	done
	tar -czf archives/$y.tar.gz -C stage $y
	y=$((y + 1))
done
rm -rf stage
