#!/bin/sh
# Pins: here-documents fed to external commands: expanded and quoted forms, <<- with tabs,
# a here-doc inside a loop and one whose text names a file an earlier command wrote.
name=world
cat <<EOT > greeting
hello $name
$(echo subst)
EOT
cat <<'EOT'
literal $name $(echo no)
EOT
tr a-z A-Z <<-EOT
	tabs stripped
	for $name
	EOT
for i in 1 2; do
	sed "s/^/$i: /" <<EOT >> multi
line a
line b
EOT
done
cat greeting multi
wc -l <<EOT
$(cat greeting)
EOT
