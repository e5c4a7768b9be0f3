#!/bin/bash
# bench/proxy/run.sh - berth-proxy against its peers, in one run, on loopback.
#
# For each proxy in front of the same backend (nginx serving a 1 KiB file):
# requests/s, p50/p99 latency (wrk), requests per proxy CPU-second (from
# /proc/PID/stat utime+stime before/after), idle RSS, and RSS holding
# IDLE_CONNS idle keep-alive clients. The proxy under test runs alone on
# core 1; wrk and the backend share core 0.
#
#   ROUNDS=3 DURATION=10 CONNS=64 IDLE_CONNS=10000 BUILD_DIR=build bench/proxy/run.sh
#
# Latency is measured twice. wrk's closed loop runs at saturation, where
# the latency of CONNS connections is CONNS / throughput and the
# throughput is set by core 0 (wrk and the backend), so it ranks proxies
# by how they disturb that core more than by the time they add. Then
# ratelat (bench/proxy/ratelat.c) offers each proxy the same fixed rates
# (RATES, requests/s, evenly spaced, up to CONNS connections) for
# RATE_DURATION seconds and reports p50/p99 from each request's due time
# (no coordinated omission): the time a proxy adds at a given load.
#
# H2=1 adds HTTP/2 over TLS: h2load (CONNS connections, H2_STREAMS streams
# each) through berth-proxy's TLS port and through nginx's (ssl http2),
# both in front of the same backend over HTTP/1.1.
#
# SAME_WORK=1 (default) has the peers do what kamal-proxy (and so
# berth-proxy) does per request: send X-Forwarded-For/-Proto/-Host,
# X-Request-ID and X-Request-Start to the target, and write an access-log
# line (to /dev/null). The backend shares core 0 with wrk, so a peer that
# sent it bare requests would win req/s and latency for doing less.
# SAME_WORK=0: the peers' bare configurations.
#
# Rows whose program is missing (or a berth-proxy that cannot proxy yet)
# print n/a; the peers' numbers stand on their own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$top/build}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
IDLE_CONNS=${IDLE_CONNS:-10000}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
BERTH_PROXY=${BERTH_PROXY:-$BUILD_DIR/berth-proxy}
RATELAT=${RATELAT:-$BUILD_DIR/bench/ratelat}
RATES=${RATES:-2000 10000}
RATE_DURATION=${RATE_DURATION:-5}

P_BACKEND=18480 P_NGINX=18481 P_HAPROXY=18482 P_CADDY=18483
P_BERTH=18484 P_BERTH_KAMAL=18485 P_NGINX_H2=18486
H2=${H2:-0}
SAME_WORK=${SAME_WORK:-1}
H2_STREAMS=${H2_STREAMS:-10}
HZ=$(getconf CLK_TCK)

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-proxy.XXXXXX")
chmod 755 "$work" # nginx workers (www-data) read the backend files
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
	[ -c /dev/null ] || note "/dev/null is no longer a device: a peer's log replaced it (mknod -m 666 /dev/null c 1 3)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1; }
note() { printf '# %s\n' "$*" >&2; }

# Waits until a GET of the 1 KiB file through port $1 returns it.
wait_ready() {
	local i
	for i in $(seq 50); do
		[ "$(curl -s -m 1 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$1/1k")" = 1024 ] &&
			return 0
		sleep 0.1
	done
	return 1
}

# All pids of the process tree rooted at $1 (nginx: master + worker).
tree() {
	local p=$1 c
	echo "$p"
	for c in $(pgrep -P "$p"); do tree "$c"; done
}

# utime + stime in clock ticks, summed over the tree at $1.
cpu_ticks() {
	local t=0 p f
	for p in $(tree "$1"); do
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

# VmRSS in KiB, summed over the tree at $1.
rss_kib() {
	local t=0 p r
	for p in $(tree "$1"); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${r:-0}))
	done
	echo $t
}

# --- the backend ----------------------------------------------------------
start_backend() {
	mkdir -p "$work/backend/html" "$work/backend/tmp"
	head -c 1024 /dev/zero | tr '\0' 'x' >"$work/backend/html/1k"
	echo ok >"$work/backend/html/up"
	cat >"$work/backend/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	pid $work/backend/nginx.pid;
	error_log $work/backend/error.log;
	events { worker_connections 4096; }
	http {
		access_log off;
		client_body_temp_path $work/backend/tmp;
		proxy_temp_path $work/backend/tmp;
		keepalive_requests 10000000;
		default_type application/octet-stream;
		server {
			listen 127.0.0.1:$P_BACKEND;
			root $work/backend/html;
		}
	}
	EOF
	taskset -c "$LOAD_CPU" nginx -p "$work/backend" -c "$work/backend/nginx.conf" -e "$work/backend/error.log" &
	pids+=($!)
	wait_ready $P_BACKEND
}

# --- the peers: each start_* launches in the background and sets $pid ------
# SAME_WORK pieces of each peer's configuration (see the top).
nginx_same_work() {
	[ "$SAME_WORK" = 1 ] || { [ "$1" = log ] && echo 'access_log off;'; return; }
	case $1 in
	log) printf '%s\n' \
		"log_format json escape=json '{\"time\":\"\$time_iso8601\",\"host\":\"\$host\",\"method\":\"\$request_method\",\"path\":\"\$uri\",\"status\":\$status,\"bytes\":\$bytes_sent,\"duration\":\$request_time,\"target\":\"\$upstream_addr\",\"client\":\"\$remote_addr\",\"request_id\":\"\$request_id\"}';" \
		'access_log /dev/null json;' ;;
	headers) printf '%s\n' \
		'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' \
		'proxy_set_header X-Forwarded-Proto $scheme;' \
		'proxy_set_header X-Forwarded-Host $host;' \
		'proxy_set_header X-Request-ID $request_id;' \
		'proxy_set_header X-Request-Start "t=${msec}";' ;;
	esac
}

haproxy_same_work() {
	[ "$SAME_WORK" = 1 ] || return 0
	case $1 in
	global) echo 'log stdout format raw local0' ;;
	defaults) printf '%s\n' 'log global' 'option httplog' ;;
	frontend) printf '%s\n' 'option forwardfor' \
		'http-request set-header X-Forwarded-Proto http' \
		'http-request set-header X-Forwarded-Host %[req.hdr(host)]' \
		'unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid' \
		'http-request set-header X-Request-ID %[unique-id]' \
		'http-request set-header X-Request-Start t=%[date(0,ms)]' ;;
	esac
}

# Caddy sends X-Forwarded-* by itself. Its log encodes each line and
# discards it: "output file /dev/null" would make it roll the "file" over,
# replacing /dev/null with a regular file (and gzipping the old one).
caddy_same_work() {
	[ "$SAME_WORK" = 1 ] || return 0
	case $1 in
	site) printf '%s\n' 'log {' 'output discard' '}' ;;
	proxy) printf '%s\n' 'header_up X-Request-ID {http.request.uuid}' \
		'header_up X-Request-Start t={time.now.unix_ms}' ;;
	esac
}

start_nginx() {
	have nginx || return 1
	mkdir -p "$work/nginx/tmp"
	cat >"$work/nginx/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	pid $work/nginx/nginx.pid;
	error_log $work/nginx/error.log;
	worker_rlimit_nofile 20000;
	events { worker_connections 19000; }
	http {
		$(nginx_same_work log)
		client_body_temp_path $work/nginx/tmp;
		proxy_temp_path $work/nginx/tmp;
		keepalive_requests 10000000;
		keepalive_timeout 300s;
		upstream backend { server 127.0.0.1:$P_BACKEND; keepalive 128; }
		server {
			listen 127.0.0.1:$P_NGINX;
			location / {
				proxy_pass http://backend;
				proxy_http_version 1.1;
				proxy_set_header Connection "";
				$(nginx_same_work headers)
			}
		}
	}
	EOF
	taskset -c "$PROXY_CPU" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
	pid=$!
}

start_haproxy() {
	have haproxy || return 1
	mkdir -p "$work/haproxy"
	cat >"$work/haproxy/haproxy.cfg" <<-EOF
	global
		$(haproxy_same_work global)
		nbthread 1
		# haproxy reserves two fds per connection; the container caps us at
		# 20000, so let it run on a warning rather than refuse.
		maxconn 10100
		no strict-limits
	defaults
		mode http
		timeout connect 5s
		timeout client 300s
		timeout server 30s
		timeout http-keep-alive 300s
		http-reuse always
		$(haproxy_same_work defaults)
	frontend bench
		bind 127.0.0.1:$P_HAPROXY
		$(haproxy_same_work frontend)
		default_backend backend
	backend backend
		server s1 127.0.0.1:$P_BACKEND
	EOF
	taskset -c "$PROXY_CPU" haproxy -db -f "$work/haproxy/haproxy.cfg" >/dev/null 2>"$work/haproxy/log" &
	pid=$!
}

start_caddy() {
	have caddy || return 1
	mkdir -p "$work/caddy"
	cat >"$work/caddy/Caddyfile" <<-EOF
	{
		admin off
		auto_https off
		storage file_system $work/caddy/data
	}
	:$P_CADDY {
		bind 127.0.0.1
		$(caddy_same_work site)
		reverse_proxy 127.0.0.1:$P_BACKEND {
			$(caddy_same_work proxy)
		}
	}
	EOF
	# Go sizes GOMAXPROCS from the affinity mask: one core, like the rest.
	XDG_DATA_HOME=$work/caddy XDG_CONFIG_HOME=$work/caddy HOME=$work/caddy \
		taskset -c "$PROXY_CPU" caddy run --adapter caddyfile --config "$work/caddy/Caddyfile" \
		>"$work/caddy/log" 2>&1 &
	pid=$!
}

# berth-proxy mirrors kamal-proxy: "run" starts the daemon, "deploy" (a
# client of the running daemon) points a service at a target. Each instance
# gets its own HOME so their state and control sockets stay apart.
# $1: port, $2: name, then extra deploy flags.
start_berth() {
	local port=$1 name=$2 home
	shift 2
	[ -x "$BERTH_PROXY" ] || return 1
	home=$work/$name
	mkdir -p "$home"
	# The JSON access log goes to stdout, which we discard (as Kamal's
	# container logging would absorb it).
	HOME=$home BERTH_PROXY_STATE_DIR=$home \
		taskset -c "$PROXY_CPU" "$BERTH_PROXY" run --http-port "$port" --https-port $((port + 100)) \
		--max-connections 12000 \
		>/dev/null 2>"$home/stderr" &
	pid=$!
	sleep 0.3
	kill -0 "$pid" 2>/dev/null || return 1
	HOME=$home BERTH_PROXY_STATE_DIR=$home \
		timeout 20 "$BERTH_PROXY" deploy bench --target 127.0.0.1:$P_BACKEND \
		--health-check-path /up "$@" >"$home/deploy.log" 2>&1 || {
		kill "$pid" 2>/dev/null
		return 1
	}
}
start_berth_plain() { start_berth $P_BERTH berth; }
# What Kamal 2 sends by default: buffering both ways, three request
# headers in the access log.
start_berth_kamal() {
	start_berth $P_BERTH_KAMAL berth-kamal --buffer-requests --buffer-responses \
		--log-request-header Cache-Control --log-request-header Last-Modified \
		--log-request-header User-Agent
}

# HTTP/2 peers (H2=1): nginx with TLS and http2 on; berth-proxy's instance
# from above gets a TLS service for bench.test on its HTTPS port.
h2_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench.test" \
		-addext "subjectAltName=DNS:bench.test" -keyout "$work/h2.key" -out "$work/h2.crt" 2>/dev/null
}

start_nginx_h2() {
	have nginx || return 1
	mkdir -p "$work/nginx-h2/tmp"
	cat >"$work/nginx-h2/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	pid $work/nginx-h2/nginx.pid;
	error_log $work/nginx-h2/error.log;
	events { worker_connections 4096; }
	http {
		access_log off;
		client_body_temp_path $work/nginx-h2/tmp;
		proxy_temp_path $work/nginx-h2/tmp;
		# also HTTP/2's requests per connection (else GOAWAY after 1000)
		keepalive_requests 10000000;
		upstream backend { server 127.0.0.1:$P_BACKEND; keepalive 128; }
		server {
			listen 127.0.0.1:$P_NGINX_H2 ssl http2;
			ssl_certificate $work/h2.crt;
			ssl_certificate_key $work/h2.key;
			location / {
				proxy_pass http://backend;
				proxy_http_version 1.1;
				proxy_set_header Connection "";
			}
		}
	}
	EOF
	taskset -c "$PROXY_CPU" nginx -p "$work/nginx-h2" -c "$work/nginx-h2/nginx.conf" \
		-e "$work/nginx-h2/error.log" &
	pid=$!
}

berth_h2_service() {
	HOME=$work/berth BERTH_PROXY_STATE_DIR=$work/berth timeout 20 "$BERTH_PROXY" deploy bench-h2 \
		--target 127.0.0.1:$P_BACKEND --host bench.test --tls --health-check-path /up \
		--tls-certificate-path "$work/h2.crt" --tls-private-key-path "$work/h2.key" \
		>"$work/berth/deploy-h2.log" 2>&1
}

# One h2load run through port $2 (proxy pid $3); appends to H2_RPS/H2_CPU.
declare -A H2_RPS H2_CPU
h2_load() {
	local label=$1 port=$2 p=$3 t0 t1 out rps n cpu=n/a
	local args=(-c "$CONNS" -m "$H2_STREAMS" --connect-to "127.0.0.1:$port" "https://bench.test:$port/1k")
	taskset -c "$LOAD_CPU" h2load -D 1 "${args[@]}" >/dev/null 2>&1
	t0=$(cpu_ticks "$p")
	out=$(taskset -c "$LOAD_CPU" h2load -D "$DURATION" "${args[@]}" 2>&1)
	t1=$(cpu_ticks "$p")
	rps=$(printf '%s\n' "$out" | sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
	n=$(printf '%s\n' "$out" | sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p')
	if ! printf '%s\n' "$out" | grep -q " 0 failed, 0 errored"; then
		note "$label (h2): failed requests; counted as n/a"
		rps=n/a
	fi
	[ "$t1" -gt "$t0" ] && [ "$rps" != n/a ] &&
		cpu=$(awk -v n="${n:-0}" -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN { printf "%.0f", n / (t / hz) }')
	H2_RPS[$label]+=" ${rps:-n/a}" H2_CPU[$label]+=" $cpu"
}

h2_run() {
	local pid="" r round
	local -A port proc
	have h2load && have openssl || { note "H2=1 needs h2load (nghttp2-client) and openssl"; return; }
	h2_cert
	if [ -n "${PID[berth-proxy]:-}" ] && berth_h2_service; then
		port[berth-proxy]=$((P_BERTH + 100)) proc[berth-proxy]=${PID[berth-proxy]}
	else
		note "berth-proxy (h2): no TLS service; row is n/a"
	fi
	if start_nginx_h2; then
		pids+=("$pid")
		sleep 0.3
		port[nginx]=$P_NGINX_H2 proc[nginx]=$pid
	fi
	for round in $(seq "$ROUNDS"); do
		for r in berth-proxy nginx; do
			[ -n "${port[$r]:-}" ] && h2_load "$r" "${port[$r]}" "${proc[$r]}"
		done
	done
	printf '\nHTTP/2 over TLS, %s streams per connection:\n%-30s %10s %12s\n' \
		"$H2_STREAMS" proxy req/s req/cpu-s
	for r in berth-proxy nginx; do
		printf '%-30s %10s %12s\n' "$r" "$(printf '%s' "${H2_RPS[$r]:-n/a}" | median)" \
			"$(printf '%s' "${H2_CPU[$r]:-n/a}" | median)"
	done
}

# --- measuring ---------------------------------------------------------------
# Parses wrk --latency output into "rps p50_ms p99_ms requests".
parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
		if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
		if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000 }
		return v
	}
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/requests in/ { n = $1 }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx/ { bad = $NF }
	END { printf "%s %s %s %s %s\n", rps ? rps : "n/a", p50 ? p50 : "n/a", p99 ? p99 : "n/a", n ? n : 0, bad ? bad : 0 }
	'
}

declare -A R_RPS R_P50 R_P99 R_CPU R_IDLE R_10K PORT PID RL_P50 RL_P99
rows=()

# Median of the words on stdin (n/a if any is n/a, "over" if any is "over").
median() {
	tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1; if ($1 == "n/a") na = 1; if ($1 == "over") ov = 1 }
	END { if (!NR || na) print "n/a"; else if (ov) print "over"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One wrk run through LABEL's port; appends this round's figures.
load() {
	local label=$1 port=${PORT[$1]} p=${PID[$1]} t0=0 t1=0 out rps p50 p99 n bad cpu=n/a
	# Warm up (connection pools, lazy allocation), then the measured run.
	taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port/1k" >/dev/null 2>&1
	[ -n "$p" ] && t0=$(cpu_ticks "$p")
	out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/1k" 2>&1)
	[ -n "$p" ] && t1=$(cpu_ticks "$p")
	read -r rps p50 p99 n bad <<<"$(printf '%s\n' "$out" | parse_wrk)"
	if [ "$bad" != 0 ]; then
		note "$label: $bad non-2xx answers; counted as n/a"
		rps=n/a p50=n/a p99=n/a
	fi
	[ -n "$p" ] && [ "$t1" -gt "$t0" ] && [ "$rps" != n/a ] &&
		cpu=$(awk -v n="$n" -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN { printf "%.0f", n / (t / hz) }')
	R_RPS[$label]+=" $rps" R_P50[$label]+=" $p50" R_P99[$label]+=" $p99" R_CPU[$label]+=" $cpu"
}

# One ratelat run through LABEL's port at RATE requests/s; appends
# "p50 p99" (ms) to this round's figures, n/a if requests failed or went
# unanswered. A rate above 80% of what the proxy served flat out in this
# round's wrk run is not offered ("over"): its queue would only grow, and
# the backlog it leaves on core 1 would disturb the next proxy's run.
load_rate() {
	local label=$1 rate=$2 port=${PORT[$1]} out p50=n/a p99=n/a max
	max=${R_RPS[$label]##* }
	if [ "$max" = n/a ] || awk -v r="$rate" -v m="$max" 'BEGIN { exit !(r > 0.8 * m) }'; then
		[ "$round" = 1 ] && note "$label: $rate/s is over 80% of its wrk req/s ($max); not offered"
		p50=over p99=over
	elif out=$(taskset -c "$LOAD_CPU" "$RATELAT" 127.0.0.1 "$port" /1k "$rate" "$RATE_DURATION" "$CONNS" 2>&1); then
		read -r p50 p99 <<<"$(printf '%s\n' "$out" | awk '{ printf "%.3f %.3f", $12 / 1000, $16 / 1000 }')"
	else
		note "$label at $rate/s: ${out:-no output}; counted as n/a"
	fi
	RL_P50["$label|$rate"]+=" $p50" RL_P99["$label|$rate"]+=" $p99"
}

# Memory: idle (after the load has settled), then with IDLE_CONNS clients.
memory() {
	local label=$1 port=${PORT[$1]} p=${PID[$1]}
	R_IDLE[$label]=$(rss_kib "$p")
	measure_idle_conns "$label" "$port" "$p"
}

measure_idle_conns() {
	local label=$1 port=$2 p=$3 fifo=$work/idle.fifo line
	rm -f "$fifo"
	mkfifo "$fifo"
	# The client holds its connections until its stdin (the fifo) closes.
	taskset -c "$LOAD_CPU" python3 "$here/idle-conns.py" 127.0.0.1 "$port" "$IDLE_CONNS" /1k <"$fifo" >"$work/idle.out" &
	local cpid=$!
	exec 9>"$fifo"
	for _ in $(seq 600); do
		line=$(cat "$work/idle.out")
		[ -n "$line" ] && break
		sleep 0.1
	done
	if [ "$line" = "ready $IDLE_CONNS/$IDLE_CONNS" ]; then
		sleep 0.5
		R_10K[$label]=$(rss_kib "$p")
	else
		note "$label: idle client got '${line:-nothing}'; RSS with clients is n/a"
	fi
	exec 9>&-
	wait "$cpid" 2>/dev/null
	rm -f "$fifo"
}

# start LABEL PORT START_FN: start a proxy and keep it for every round.
start() {
	local label=$1 pid=""
	rows+=("$label")
	R_IDLE[$label]=n/a R_10K[$label]=n/a
	if ! $3; then
		note "$label: not available; row is n/a"
		return
	fi
	pids+=("$pid")
	if ! wait_ready "$2"; then
		note "$label: not answering on :$2; row is n/a"
		return
	fi
	PORT[$label]=$2 PID[$label]=$pid
}

# --- the run ------------------------------------------------------------------
for t in wrk nginx curl python3 taskset; do
	have $t || { note "bench/proxy needs $t (scripts/deps/bench.packages)"; exit 1; }
done
if [ ! -x "$RATELAT" ]; then
	note "no $RATELAT (make bench builds it); fixed-rate latency is skipped"
	RATES=""
fi
note "$(nproc) cores; proxy on core $PROXY_CPU, wrk+backend on core $LOAD_CPU;" \
	"$ROUNDS rounds of ${DURATION}s, $CONNS connections, 1 KiB responses"
start_backend || { note "backend did not start"; exit 1; }

rows+=("backend direct")
PORT["backend direct"]=$P_BACKEND PID["backend direct"]=""
R_IDLE["backend direct"]=n/a R_10K["backend direct"]=n/a
start "berth-proxy" $P_BERTH start_berth_plain
start "berth-proxy (kamal defaults)" $P_BERTH_KAMAL start_berth_kamal
start "nginx" $P_NGINX start_nginx
start "haproxy" $P_HAPROXY start_haproxy
start "caddy" $P_CADDY start_caddy

# Rounds interleave the proxies, so a noisy moment on a shared machine
# spreads over all of them instead of sinking one; medians are reported.
for round in $(seq "$ROUNDS"); do
	for r in "${rows[@]}"; do
		[ -n "${PORT[$r]:-}" ] && load "$r"
	done
	for rate in $RATES; do
		for r in "${rows[@]}"; do
			[ -n "${PORT[$r]:-}" ] && load_rate "$r" "$rate"
		done
	done
	note "round $round of $ROUNDS done"
done
declare -A ALL_P99 ALL_CPU
for r in "${rows[@]}"; do
	ALL_P99[$r]=${R_P99[$r]:-} ALL_CPU[$r]=${R_CPU[$r]:-}
	for m in R_RPS R_P50 R_P99 R_CPU; do
		declare -n ref=$m
		ref[$r]=$(printf '%s' "${ref[$r]:-n/a}" | median)
	done
	unset -n ref
	[ -n "${PORT[$r]:-}" ] && [ -n "${PID[$r]}" ] && memory "$r"
done

mib() { [ "$1" = n/a ] && echo n/a || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
printf '\n%-30s %10s %8s %8s %12s %9s %11s\n' proxy req/s p50_ms p99_ms req/cpu-s idle_MiB "${IDLE_CONNS}c_MiB"
for r in "${rows[@]}"; do
	printf '%-30s %10s %8s %8s %12s %9s %11s\n' "$r" "${R_RPS[$r]}" "${R_P50[$r]}" "${R_P99[$r]}" \
		"${R_CPU[$r]}" "$(mib "${R_IDLE[$r]}")" "$(mib "${R_10K[$r]}")"
done

# paired "A1 A2 .." "B1 B2 ..": "median(Ai/Bi) k/n" over the rounds where
# both have a number; k counts the rounds with Ai <= Bi (ratio <= 1).
paired() {
	local r
	r=$(awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++)
			if (x[i] ~ /^[0-9.]+$/ && y[i] ~ /^[0-9.]+$/ && y[i] + 0 > 0) printf " %s", x[i] / y[i] }')
	[ -n "$r" ] || { echo n/a; return; }
	printf '%.2f %s' "$(printf '%s' "$r" | median)" \
		"$(printf '%s' "$r" | tr ' ' '\n' | awk 'NF { n++; k += ($1 <= 1) } END { print k "/" n }')"
}

# Ratios: berth-proxy's figure over each peer's (>1 = berth-proxy better for
# req/s and req/cpu-s; <1 = berth-proxy smaller for memory and latency).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
for b in "berth-proxy" "berth-proxy (kamal defaults)"; do
	printf '\n%s vs peers:  %8s %8s %8s %12s %9s %11s\n' "$b" req/s p50 p99 req/cpu-s idle_rss "${IDLE_CONNS}c_rss"
	for r in nginx haproxy caddy; do
		printf '  %-28s %8s %8s %8s %12s %9s %11s\n' "/ $r" \
			"$(ratio "${R_RPS[$b]}" "${R_RPS[$r]}")" "$(ratio "${R_P50[$b]}" "${R_P50[$r]}")" \
			"$(ratio "${R_P99[$b]}" "${R_P99[$r]}")" "$(ratio "${R_CPU[$b]}" "${R_CPU[$r]}")" \
			"$(ratio "${R_IDLE[$b]}" "${R_IDLE[$r]}")" "$(ratio "${R_10K[$b]}" "${R_10K[$r]}")"
	done
done

if [ -n "$RATES" ]; then
	printf '\nfixed rate (ratelat, up to %s connections, %ss per round), p50_ms / p99_ms:\n%-30s' \
		"$CONNS" "$RATE_DURATION" proxy
	for rate in $RATES; do printf ' %18s' "$rate/s"; done
	printf '\n'
	declare -A RL_M50 RL_M99
	for r in "${rows[@]}"; do
		printf '%-30s' "$r"
		for rate in $RATES; do
			k="$r|$rate"
			RL_M50[$k]=$(printf '%s' "${RL_P50[$k]:-n/a}" | median)
			RL_M99[$k]=$(printf '%s' "${RL_P99[$k]:-n/a}" | median)
			printf ' %18s' "${RL_M50[$k]} / ${RL_M99[$k]}"
		done
		printf '\n'
	done
	# Also paired by round: two rows of one round run minutes apart, the
	# whole bench takes twenty, and this VM drifts in between.
	for b in "berth-proxy" "berth-proxy (kamal defaults)"; do
		printf '\n%s vs peers, p99 at a fixed rate (ratio of medians | median per-round ratio, rounds at or below):\n' "$b"
		for r in nginx haproxy caddy; do
			printf '  %-28s' "/ $r"
			for rate in $RATES; do
				printf ' %6s/s %6s | %s' "$rate" "$(ratio "${RL_M99[$b|$rate]}" "${RL_M99[$r|$rate]}")" \
					"$(paired "${RL_P99[$b|$rate]:-}" "${RL_P99[$r|$rate]:-}")"
			done
			printf '\n'
		done
	done
fi

# The spread behind the medians: on a shared VM it is the honest error bar.
printf '\nper round (p99_ms | req/cpu-s):\n'
for r in "${rows[@]}"; do
	printf '  %-28s %s |%s\n' "$r" "${ALL_P99[$r]:- n/a}" "${ALL_CPU[$r]:- n/a}"
done
for rate in $RATES; do
	printf 'per round, p99_ms at %s/s:\n' "$rate"
	for r in "${rows[@]}"; do
		printf '  %-28s %s\n' "$r" "${RL_P99[$r|$rate]:- n/a}"
	done
done

if [ "$H2" = 1 ]; then
	h2_run
fi
