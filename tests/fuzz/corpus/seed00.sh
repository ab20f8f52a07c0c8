a=1 b="x $y" cmd arg >out 2>&1 <in
  echo second
