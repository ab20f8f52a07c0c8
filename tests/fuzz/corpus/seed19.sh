select x in a b; do break; done
coproc NAME { cat; }
for ((i = 0; i < 3; i++)); do echo $i; done
