# Sourced by the scripts that start the mock and drive real clients against it
# (scripts/clients.sh, scripts/mcp-clients.sh). Expects `work`, a scratch directory; gives
# `pids` (processes to stop on exit, with `work` removed) and `wait_for_line`.

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits (up to 10 s) for a line matching $2 in file $1 and prints it.
wait_for_line() {
  for _ in $(seq 100); do
    if line="$(grep -m1 -E "$2" "$1" 2>/dev/null)"; then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  echo "no line matching '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}
