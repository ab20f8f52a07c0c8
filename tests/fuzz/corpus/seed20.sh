echo ${a/b/c} ${a^^} ${a:1:2} ${!a} ${a[1]} $'a\'b' $"loc $x"
case $x in @(a|b)) ;; esac
a |& b
