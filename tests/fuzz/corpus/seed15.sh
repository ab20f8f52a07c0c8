if a; then b; elif c; then d; else e; fi
while f; do g; done
until h; do i; done
for j in k l; do m; done
for n; do o; done
(r; s) >o
fn() { t; }
fn2 () (u)
