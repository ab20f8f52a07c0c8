# Generated web access log, application log, text and CSV for the one-liner pipelines.
. "$(dirname "$0")/common-inputs.sh"
mkdir -p logs
n=200000
[ "$quick" = 1 ] && n=30000
awk -v n=$n 'BEGIN { srand(11);
	split("GET GET GET POST PUT DELETE HEAD", M, " ")
	split("/ /index.html /api/users /api/orders /static/app.js /static/style.css /login /logout /search /img/logo.png /api/items /health", P, " ")
	split("200 200 200 200 200 304 301 404 500 403", S, " ")
	split("Mozilla/5.0 curl/7.88 Googlebot/2.1 python-requests/2.31 Safari/605", A, " ")
	for (i = 0; i < n; i++) {
		ip = sprintf("10.%d.%d.%d", int(rand() * 4), int(rand() * 40), int(rand() * 250))
		t = 1700000000 + i * 3
		printf "%s - - [%d] \"%s %s HTTP/1.1\" %s %d \"%s\" %d\n", ip, t, M[int(rand()*7)+1],
			P[int(rand()*rand()*12)+1], S[int(rand()*10)+1], int(rand()*50000), A[int(rand()*5)+1], int(rand()*rand()*2000)
	}}' > logs/access.log
awk -v n=$n 'BEGIN { srand(12);
	split("INFO INFO INFO INFO DEBUG DEBUG WARN ERROR", L, " ")
	split("db auth cache http queue mailer scheduler", C, " ")
	split("request done|connection reset|timeout after retry|user logged in|cache miss|slow query|job finished|disk almost full", X, "|")
	for (i = 0; i < n; i++)
		printf "2024-%02d-%02dT%02d:%02d:%02d %s [%s] %s id=%d ms=%d\n", int(rand()*12)+1, int(rand()*28)+1,
			int(rand()*24), int(rand()*60), int(rand()*60), L[int(rand()*8)+1], C[int(rand()*7)+1],
			X[int(rand()*8)+1], int(rand()*100000), int(rand()*rand()*5000)
	}' > logs/app.log
gen_text 21 $((n / 2)) > book.txt
awk -v n=$n 'BEGIN { srand(13); print "id,city,product,qty,price,day"
	split("Paris Lyon Berlin Madrid Rome Oslo Vienna Prague Lisbon Dublin", C, " ")
	split("apple pear fig kiwi plum lemon melon grape", P, " ")
	for (i = 0; i < n; i++)
		printf "%d,%s,%s,%d,%.2f,%d\n", i, C[int(rand()*10)+1], P[int(rand()*8)+1], int(rand()*20)+1, rand()*100, int(rand()*365)
	}' > sales.csv
