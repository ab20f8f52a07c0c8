# command not found and other runtime errors keep their line numbers.
echo start
no-such-command-here arg
echo "rc $?"
ls /nonexistent
cat < /nonexistent-input
echo end
