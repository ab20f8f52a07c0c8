[[ $a < b && -n $c || ( x =~ ^(a|b)$ ) ]]
(( i++ ))
a=(1 "2 3" [4]=$x)
function f { :; }
diff <(ls a) >(cat)
