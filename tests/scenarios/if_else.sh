#!/bin/sh
# Pins: if/else taken both ways (a wrong guess must be thrown away): conditions on files an
# earlier command changes, elif chains and && / || lists.
# setup: echo yes > flag
if grep -q yes flag; then env echo then1 > r1; else env echo else1 > r1; fi
env echo no > flag
if grep -q yes flag; then env echo then2 > r2; else env echo else2 > r2; fi
if [ -f missing ]; then env echo a; elif [ -f flag ]; then env echo b; else env echo c; fi
grep -q no flag && env echo and-taken || env echo or-taken
grep -q yes flag && env echo and2 || env echo or2
cat r1 r2
if ! cmp -s r1 r2; then env echo differ; fi
case $(cat flag) in yes) env echo case-yes ;; no) env echo case-no ;; *) env echo other ;; esac
