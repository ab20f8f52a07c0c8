# file effects: create, modify, move, remove; a read-modify-write chain.
mkdir -p a/b/c
echo data > a/b/c/file
cp a/b/c/file a/copy
mv a/copy a/moved
rm -f a/b/c/file
ln -s moved a/link
for i in 1 2 3; do echo "line $i" >> a/log; done
sort -r a/log > a/sorted
cat a/sorted | tr a-z A-Z > a/upper
rm -r a/b
touch -d '2001-01-01 00:00:00' a/old
ls -R a | sort
wc -c a/* 2>&1 | sort
