# 24 text files (8 in quick mode) of ~4.5 MB: one tr|sort|uniq iteration takes ~0.5 s.
. "$(dirname "$0")/common-inputs.sh"
mkdir -p text
n=24 lines=75000
[ "$quick" = 1 ] && n=8 lines=15000
i=1
while [ $i -le $n ]; do
	gen_text $i $lines > "text/t$(printf %02d $i).txt"
	i=$((i + 1))
done
