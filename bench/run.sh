#!/usr/bin/env bash
# Runs one benchmark scenario against a server started here, pinned to its own core.
#
#   bench/run.sh [--target switchboard|soketi|uws] SCENARIO [scenario options...]
#   bench/run.sh --compare [--with-uws] SCENARIO [scenario options...]
#   bench/run.sh soak [--minutes 60] [soak options...]
#
# SCENARIO: connect | fanout | channels | api | client-events | compression | soak (options:
# bench/README.md).
# The server runs on core $SERVER_CPU (0) and the load generator on $LOAD_CPU (1). Each run prints
# one JSON result line, also appended to $RESULTS (bench/results/results.jsonl); --compare runs the
# same scenario against Switchboard and Soketi (and the bare uWebSockets.js server with --with-uws)
# back to back and prints a table with ratios to Soketi. soak (Switchboard only) configures the
# server's app with a webhook to the load generator's receiver and writes a CSV, a summary and an
# SVG plot to bench/results/.
#
# Environment: SERVER_CPU, LOAD_CPU, RESULTS, PEERS_DIR (/work/shared/peers), PORT (17101),
# ADMIN_PORT (PORT+1000: Switchboard's admin listener), WEBHOOK_PORT (PORT+2000: soak's receiver),
# NICE (0; e.g. -10 runs the server and the load generator each in its own session whose scheduling
# autogroup gets that nice value, i.e. priority over other work on a shared machine; needs root),
# SWITCHBOARD_JAVA_OPTS (extra JVM flags for the server), BENCH_JAVA_OPTS (for the load generator),
# and any SWITCHBOARD_* setting, which the server reads as usual.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JAR="$HERE/target/switchboard-bench.jar"
PEERS="${PEERS_DIR:-/work/shared/peers}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PORT="${PORT:-17101}"
RESULTS="${RESULTS:-$HERE/results/results.jsonl}"
ADMIN_PORT="${ADMIN_PORT:-$((PORT + 1000))}"
WEBHOOK_PORT="${WEBHOOK_PORT:-$((PORT + 2000))}"
NICE="${NICE:-0}"
PRIO=()
if [ "$NICE" != 0 ]; then
  # With autogroup scheduling, plain nice only ranks processes within their session, so give each
  # process a session of its own and set that session's nice.
  # shellcheck disable=SC2016
  PRIO=(setsid bash -c 'echo "$1" >/proc/self/autogroup 2>/dev/null || true; renice -n "$1" -p $$ >/dev/null 2>&1 || true; shift; exec "$@"' prio "$NICE")
fi

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

targets=(switchboard)
compare=0
with_uws=0
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets=("$2"); shift 2 ;;
    --compare) compare=1; shift ;;
    --with-uws) with_uws=1; shift ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
SCENARIO="$1"; shift
if [ "$compare" = 1 ]; then
  targets=(switchboard soketi)
  [ "$with_uws" = 1 ] && targets+=(uws)
fi

# The soak needs the server configured for it: the app of the other scenarios with client events
# on and a webhook to the receiver inside the load generator, and a webhook queue of its own.
SERVER_ENV=()
SCENARIO_ARGS=()
if [ "$SCENARIO" = soak ]; then
  if [ "${targets[*]}" != switchboard ]; then
    echo "run.sh: soak runs against switchboard only" >&2
    exit 2
  fi
  SOAK_DATA="$(mktemp -d -t bench-soak-XXXX)"
  SERVER_ENV=(
    SWITCHBOARD_APPS__0__ID=app-id SWITCHBOARD_APPS__0__KEY=app-key SWITCHBOARD_APPS__0__SECRET=app-secret
    SWITCHBOARD_APPS__0__CLIENT_EVENTS=true
    "SWITCHBOARD_APPS__0__WEBHOOKS__0__URL=http://127.0.0.1:$WEBHOOK_PORT/webhooks"
    "SWITCHBOARD_WEBHOOKS__DATA_DIR=$SOAK_DATA"
  )
  SCENARIO_ARGS=(--admin-port "$ADMIN_PORT" --webhook-port "$WEBHOOK_PORT" --out "$HERE/results")
fi
# compression needs the app to offer permessage-deflate, and events of its largest payload.
if [ "$SCENARIO" = compression ]; then
  if [ "${targets[*]}" != switchboard ]; then
    echo "run.sh: compression runs against switchboard only" >&2
    exit 2
  fi
  SERVER_ENV=(
    SWITCHBOARD_APPS__0__ID=app-id SWITCHBOARD_APPS__0__KEY=app-key SWITCHBOARD_APPS__0__SECRET=app-secret
    SWITCHBOARD_APPS__0__CLIENT_EVENTS=true SWITCHBOARD_APPS__0__WEBSOCKET_COMPRESSION=true
    SWITCHBOARD_APPS__0__LIMITS__MAX_PAYLOAD_BYTES=65536
  )
fi

# 10,000 connections need 10,000+ descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

pick_jdk() {
  local best="" bestv=0 d v
  for d in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* /opt/java/*; do
    [ -x "$d/bin/java" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null || true)
    [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  [ -n "$best" ] || { echo "run.sh: no JDK >= 21 found (set JAVA_HOME)" >&2; exit 1; }
  JAVA="$best/bin/java"
  JAVA_FLAGS=(--enable-native-access=ALL-UNNAMED)
  if [ "$bestv" -ge 23 ]; then JAVA_FLAGS+=(--sun-misc-unsafe-memory-access=allow); fi
}

build() {
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/bench/src/main" "$ROOT/server/src/main" "$ROOT/pom.xml" \
      "$ROOT/bench/pom.xml" "$ROOT/server/pom.xml" -newer "$JAR" -print -quit)" ]; then
    echo "run.sh: building the server and the load generator..." >&2
    (cd "$ROOT" && ./mvnw -B -q -pl bench -am package -DskipTests -Dspotless.check.skip=true) >&2
  fi
}

wait_port() { # port timeout-seconds pid
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

SERVER_PID=""
LOG=""
start_server() { # target port
  LOG="$(mktemp -t "bench-$1-XXXX.log")"
  local p ports=("$2")
  if [ "$1" = switchboard ]; then ports+=("$ADMIN_PORT"); fi
  if [ "$SCENARIO" = soak ]; then ports+=("$WEBHOOK_PORT"); fi
  for p in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "run.sh: port $p is already in use; stop what listens there or set PORT, ADMIN_PORT, WEBHOOK_PORT" >&2
      exit 1
    fi
  done
  case "$1" in
    switchboard)
      # The admin listener (/metrics) gets a port of its own rather than the default 9601, which
      # another server on the machine may hold.
      env ${SERVER_ENV[@]+"${SERVER_ENV[@]}"} \
      SWITCHBOARD_SERVER__IO_THREADS="${SWITCHBOARD_SERVER__IO_THREADS:-1}" \
      SWITCHBOARD_SERVER__HOST="${SWITCHBOARD_SERVER__HOST:-127.0.0.1}" \
      SWITCHBOARD_LOGGING__LEVEL="${SWITCHBOARD_LOGGING__LEVEL:-warn}" \
      SWITCHBOARD_ADMIN__PORT="${SWITCHBOARD_ADMIN__PORT:-$ADMIN_PORT}" \
        "${PRIO[@]}" taskset -c "$SERVER_CPU" "$ROOT/switchboard" --port "$2" >"$LOG" 2>&1 &
      ;;
    soketi)
      PORT="$2" METRICS_PORT=$(($2 + 1000)) CPU="$SERVER_CPU" "${PRIO[@]}" "$PEERS/soketi/start.sh" >"$LOG" 2>&1 &
      ;;
    uws)
      PORT="$2" CPU="$SERVER_CPU" "${PRIO[@]}" "$PEERS/uws-limit/start.sh" >"$LOG" 2>&1 &
      ;;
    *) echo "run.sh: unknown target $1" >&2; exit 2 ;;
  esac
  SERVER_PID=$!
  # Soketi installs itself with npm on first use, hence the long timeout.
  if ! wait_port "$2" 300 "$SERVER_PID"; then
    echo "run.sh: $1 did not start; its log ($LOG):" >&2
    tail -20 "$LOG" >&2
    stop_server
    exit 1
  fi
  # The launchers exec the server, so $! is its PID; check it against the listening socket.
  local listener
  listener=$(ss -Hltnp "sport = :$2" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$listener" ] && [ "$listener" != "$SERVER_PID" ]; then SERVER_PID=$listener; fi
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT INT TERM

pick_jdk
build
mkdir -p "$(dirname "$RESULTS")"
RUN_OUT="$(mktemp -t bench-run-XXXX.jsonl)"
status=0
for t in "${targets[@]}"; do
  start_server "$t" "$PORT"
  echo "run.sh: $SCENARIO against $t (pid $SERVER_PID, core $SERVER_CPU; load on core $LOAD_CPU)" >&2
  # shellcheck disable=SC2086
  if line=$("${PRIO[@]}" taskset -c "$LOAD_CPU" "$JAVA" "${JAVA_FLAGS[@]}" ${BENCH_JAVA_OPTS:--Xms1g -Xmx1g -Dio.netty.leakDetection.level=disabled} \
      -jar "$JAR" "$SCENARIO" --target "$t" --port "$PORT" --server-pid "$SERVER_PID" \
      ${SCENARIO_ARGS[@]+"${SCENARIO_ARGS[@]}"} "$@"); then
    echo "$line"
    echo "$line" >>"$RUN_OUT"
    echo "$line" >>"$RESULTS"
  else
    status=1
    echo "run.sh: $SCENARIO against $t failed; server log: $LOG" >&2
  fi
  stop_server
done
if [ "${#targets[@]}" -gt 1 ] && [ -s "$RUN_OUT" ]; then
  "$JAVA" "${JAVA_FLAGS[@]}" -jar "$JAR" table "$RUN_OUT"
fi
rm -f "$RUN_OUT"
if [ -n "${SOAK_DATA:-}" ]; then rm -rf "$SOAK_DATA"; fi
exit $status
