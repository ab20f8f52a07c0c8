cat <<A <<"B"; echo mid
a $x
A
b $y
B
echo end
