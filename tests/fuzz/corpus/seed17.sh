export a=$(x) b c+=d; local e=1; FOO=bar env; echo f=g
