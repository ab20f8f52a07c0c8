while read -r line; do
  case "$line" in
    \#*|'') continue ;;
    *=*) key=${line%%=*}; val=${line#*=} ;;
  esac
done < "${1:-/etc/conf}"
