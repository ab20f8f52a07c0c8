case $x in
(a|b) echo ab;;
*\)*) echo paren ;;
"("|')') echo q;;
*) ;;
esac
