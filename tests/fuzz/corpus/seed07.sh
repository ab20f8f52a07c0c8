echo $((1 + $a * (b - 2))) $( (echo sub) ) $(( $(echo 3) ))
