#!/usr/bin/env bash
# Two boards on one PostgreSQL store, on this machine: the commands docs/operations.md walks through, in order.
#   tools/two_boards.sh [FOLDER]    (default /tmp/givingday-two-boards; kept, so a second run starts the same store)
# A PostgreSQL cluster of its own in FOLDER/pg on 127.0.0.1:${PGPORT:-55432}, the database `giving`, the demo
# roster, and boards on 127.0.0.1:8501 and 127.0.0.1:8502 (BOARDS="PORT PORT" for others) whose walls know each
# other; the leading board plays the demo (GIVINGDAY_DEMO=0: none). Ctrl-C stops the boards and the cluster.
# Run as root, the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."
folder=$(realpath -m "${1:-/tmp/givingday-two-boards}")
pgport=${PGPORT:-55432}
read -r -a ports <<<"${BOARDS:-8501 8502}"
python=${PYTHON:-.venv/bin/python}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)  # Debian's newest (tools/install_postgres.sh)
as_postgres=()
mkdir -p "$folder"
if [ "$(id -u)" = 0 ]; then
    as_postgres=(runuser -u postgres --)
    chown postgres: "$folder"
fi

# 1. The cluster: its own folder and port, local connections only, trusted (a real one: docs/operations.md).
if [ ! -f "$folder/pg/PG_VERSION" ]; then
    "${as_postgres[@]}" "$bin/initdb" -D "$folder/pg" -U postgres --auth=trust --no-locale -E UTF8
fi
"${as_postgres[@]}" "$bin/pg_ctl" -D "$folder/pg" -l "$folder/pg.log" -w \
    -o "-p $pgport -k $folder -c listen_addresses=127.0.0.1" start

# 2. The database and the store in it: the schema's migrations and the demo roster, once.
export GIVINGDAY_DB="postgresql://postgres@127.0.0.1:$pgport/giving"
if ! "$bin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -Atc "select 1 from pg_database where datname = 'giving'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres giving
    "$python" -m givingday init --demo
fi

# 3. The event: data/event.toml with both boards listed, so each answers the other's wall pages.
origins=$(printf '"http://127.0.0.1:%s", ' "${ports[@]}")
sed "s|^boards = \\[\\]\$|boards = [${origins%, }]|" data/event.toml >"$folder/event.toml"
export GIVINGDAY_EVENT="$folder/event.toml"

# 4. Two boards, each with its own inbox folder, so no file is taken by both; the demo, unless GIVINGDAY_DEMO=0, is
#    played by the board that leads (into its inbox), and by the other when that one dies.
stop() {
    trap - INT TERM EXIT
    kill "${boards[@]}" 2>/dev/null || true
    wait "${boards[@]}" 2>/dev/null || true
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$folder/pg" -w stop
}
boards=()
trap stop INT TERM EXIT
for port in "${ports[@]}"; do
    GIVINGDAY_INBOX="$folder/inbox-$port" "$python" -m givingday serve --port "$port" >"$folder/board-$port.log" 2>&1 &
    boards+=($!)
done
echo "boards: ${ports[*]/#/http://127.0.0.1:} (logs in $folder); the store: $GIVINGDAY_DB"
echo "a wall that moves between them: http://127.0.0.1:${ports[0]}/wall (both are in $folder/event.toml)"
wait "${boards[@]}"
