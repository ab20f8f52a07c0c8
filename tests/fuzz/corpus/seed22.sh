f() {
  local IFS=:
  set -- $PATH
  for d; do [ -x "$d/$1" ] && { echo "$d"; return 0; }; done
  return 1
}
