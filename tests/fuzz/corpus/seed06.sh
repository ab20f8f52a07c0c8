echo `echo \`echo inner\` \$x` "`echo \"q\"`"
