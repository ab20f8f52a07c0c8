ec\
ho a \
  b
echo "x\
y"
