#!/bin/sh
# berth-proxy without --tls behind a real TLS terminator (nginx on
# loopback), the way a load balancer in front of Kamal runs it: the app
# must learn the client's address, that it came over https, and the host
# it asked for, from the X-Forwarded-* headers nginx sets. Three loopback
# addresses keep the parties apart: the client is 127.0.0.2, nginx
# connects to berth-proxy from 127.0.0.3.
. "$TOP/tests/lib/test-lib.sh"
. "$TOP/tests/proxy/lib.sh"

if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then
	test_skip 'behind a TLS terminator' 'nginx or openssl is not installed'
	test_done
fi

proxy_start
backend_start app
NGINX_PORT=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=app.example.com" \
	-addext "subjectAltName=DNS:app.example.com" \
	-keyout app.key -out app.crt 2>/dev/null
mkdir nginx
# One process, no workers (they would run as another user, who cannot
# read the trash directory), nothing outside it.
cat >nginx/nginx.conf <<EOF
daemon off;
master_process off;
pid $TRASH/nginx/nginx.pid;
error_log $TRASH/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $TRASH/nginx;
	proxy_temp_path $TRASH/nginx;
	server {
		listen 127.0.0.1:$NGINX_PORT ssl;
		server_name app.example.com;
		ssl_certificate $TRASH/app.crt;
		ssl_certificate_key $TRASH/app.key;
		location / {
			proxy_pass http://127.0.0.1:$HTTP_PORT;
			proxy_bind 127.0.0.3;
			proxy_http_version 1.1;
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto \$scheme;
			proxy_set_header X-Forwarded-Host \$host;
		}
	}
}
EOF
nginx -p "$TRASH/nginx" -c "$TRASH/nginx/nginx.conf" -e "$TRASH/nginx/error.log" &
started $!
wait_port "$NGINX_PORT"

# through_nginx PATH [curl args]: what the app saw of a request made
# from 127.0.0.2.
through_nginx() {
	p=$1
	shift
	curl -sS --max-time 10 --interface 127.0.0.2 --cacert app.crt \
		--resolve "app.example.com:$NGINX_PORT:127.0.0.1" "$@" \
		"https://app.example.com:$NGINX_PORT$p"
}

test_expect_success 'by default the app sees the client, https and the host nginx saw' '
	bp deploy app --target 127.0.0.1:$PORT_app --host app.example.com &&
	through_nginx /hello >out &&
	test_grep "\"backend\": \"app\"" out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.2, 127.0.0.3\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"https\"" out &&
	test_grep "\"X-Forwarded-Host\", \"app.example.com\"" out &&
	test_grep "\"Host\", \"app.example.com\"" out
'

test_expect_success 'the access log names nginx as the peer and the client as the remote address' '
	through_nginx /logged -H "X-Request-ID: via-nginx" >/dev/null &&
	log_line "\"request_id\":\"via-nginx\"" >line &&
	test_grep "\"client_addr\":\"127.0.0.3\"" line &&
	test_grep "\"remote_addr\":\"127.0.0.2\"" line
'

test_expect_success 'a client cannot pass itself off as another through nginx: its claim stays first' '
	through_nginx / -H "X-Forwarded-For: 6.6.6.6" >out &&
	test_grep "\"X-Forwarded-For\", \"6.6.6.6, 127.0.0.2, 127.0.0.3\"" out
'

test_expect_success 'with --forward-headers=false the app sees only what berth-proxy saw' '
	bp deploy app --target 127.0.0.1:$PORT_app --host app.example.com --forward-headers=false &&
	through_nginx / >out &&
	test_grep "\"X-Forwarded-For\", \"127.0.0.3\"" out &&
	test_grep "\"X-Forwarded-Proto\", \"http\"" out
'

test_done
