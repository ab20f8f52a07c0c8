x=$(echo $(echo "$(echo ')' "(")") ) `date`
y=$(case $z in a) echo 1;; (b|c) echo 2;; esac)
