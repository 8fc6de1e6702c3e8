#!/usr/bin/env bash
# Crash torture for `lz4framed decompress --state`: a large stream is
# decompressed by processes killed with SIGKILL at random moments, each
# restart resuming from the state file the last one left; the final output
# must have the sha256 of the original.
#
#   scripts/crash_torture.sh [SIZE_GIB] [KILLS]     (defaults: 1 GiB, 50 kills)
#
# Environment: CARGO_TARGET_DIR (where cargo builds; default target/),
# TORTURE_DIR (work directory; default $CARGO_TARGET_DIR/crash-torture),
# CHECKPOINT (--checkpoint value; default 8M), THREADS (the -T value of the
# decompressing runs; default 1, e.g. THREADS=2 for decoder workers with
# reading and writing threads), KEEP=1 keeps the large files.
# Needs about 1.6 x SIZE_GIB GiB of free disk space.
set -euo pipefail

size_gib=${1:-1}
kills_wanted=${2:-50}
if ! [[ $size_gib =~ ^[0-9]+$ && $size_gib -ge 1 && $kills_wanted =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SIZE_GIB >= 1] [KILLS]" >&2
  exit 1
fi
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${TORTURE_DIR:-$target/crash-torture}
checkpoint=${CHECKPOINT:-8M}
threads=${THREADS:-1}
if ! [[ $threads =~ ^[0-9]+$ ]]; then
  echo "THREADS must be a number, not '$threads'" >&2
  exit 1
fi
mkdir -p "$work"
cli=$work/lz4framed
stream=$work/stream.lz4
out=$work/out
state=$work/state
log=$work/runs.log

echo "== building the library (release) and the CLI"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
cc -std=c99 -O2 -Wall -Wextra -Werror -pedantic -I"$root/include" -o "$cli" \
  "$root"/programs/*.c "$target/release/liblz4framed.a" \
  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
"$cli" -V

bytes=$((size_gib * 1024 * 1024 * 1024))
# Text-like, compressible (about 2:1), and the same every time: decimal
# numbers. Generated twice rather than stored.
generate() { (seq 1 1000000000000 || true) | head -c "$bytes"; }
echo "== generating $size_gib GiB and compressing it (linked 1 MiB blocks, content checksum)"
want=$(generate | sha256sum | cut -d' ' -f1)
generate | "$cli" compress -f -B6 -BD - "$stream"
echo "stream: $(stat -c %s "$stream") bytes for $bytes bytes, sha256 $want"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
check_output() {
  local got
  got=$(sha256sum "$out" | cut -d' ' -f1)
  if [[ $got != "$want" ]]; then
    echo "FAIL: output sha256 $got differs from the original $want" >&2
    exit 1
  fi
}
run_args=(decompress -v -f "-T$threads" "--checkpoint=$checkpoint" --state "$state" "$stream" "$out")

echo "== one uninterrupted run for the time scale"
rm -f "$out" "$state"
t0=$(now_ms)
"$cli" "${run_args[@]}" 2>/dev/null
full_ms=$(($(now_ms) - t0))
check_output
echo "full run: $full_ms ms ($((bytes / 1048576 * 1000 / (full_ms > 0 ? full_ms : 1))) MiB/s with checkpoints every $checkpoint)"

# Delays up to 3x the time one run's share of the stream takes, so that
# the stream is finished about once over the kills; sometimes right after
# the start, while a run loads the state and cuts the output back.
max_delay=$((full_ms * 3 / (kills_wanted > 0 ? kills_wanted : 1)))
((max_delay < 30)) && max_delay=30
echo "== torture: $kills_wanted SIGKILLs, delays up to $max_delay ms"
rm -f "$out" "$state" "$log"
kills=0 runs=0 completions=0
t0=$(now_ms)
while ((kills < kills_wanted)); do
  runs=$((runs + 1))
  "$cli" "${run_args[@]}" 2>>"$log" &
  pid=$!
  if ((RANDOM % 6 == 0)); then
    delay=$((RANDOM % 20))
  else
    delay=$(((RANDOM * 32768 + RANDOM) % max_delay))
  fi
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  set +e
  wait "$pid" 2>/dev/null
  rc=$?
  set -e
  case $rc in
    137) kills=$((kills + 1)) ;;
    0)
      completions=$((completions + 1))
      check_output
      echo "  run $runs finished before its kill; output verified, starting over"
      ;;
    *)
      echo "FAIL: run $runs exited with $rc; its messages:" >&2
      tail -5 "$log" >&2
      exit 1
      ;;
  esac
done
echo "== final run, not killed"
runs=$((runs + 1))
"$cli" "${run_args[@]}" 2>>"$log"
completions=$((completions + 1))
total_ms=$(($(now_ms) - t0))
check_output
if [[ -e $state ]]; then
  echo "FAIL: the state file is still there after success" >&2
  exit 1
fi
resumes=$(grep -c "resuming at" "$log" || true)
echo "== summary"
echo "size:        $size_gib GiB ($bytes bytes), stream $(stat -c %s "$stream") bytes, -T$threads"
echo "SIGKILLs:    $kills in $runs runs ($resumes resumed from a state file, $completions complete)"
echo "time:        $total_ms ms for the torture, $full_ms ms for one uninterrupted run"
echo "result:      output sha256 $want matches the original: PASS"
if [[ ${KEEP:-0} != 1 ]]; then
  rm -f "$out" "$stream" "$state" "$state.tmp"
fi
