# top
echo a # trailing ) ; |
echo b#c # x
#end
