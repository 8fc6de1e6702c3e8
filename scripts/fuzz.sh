#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (decode, unmarshal, roundtrip,
# differential, parallel, seek, encoder_state) for a given time each, one after another.
#
#   scripts/fuzz.sh TARGET|all [SECONDS] [extra libFuzzer options...]
#
# SECONDS defaults to 600. New inputs the fuzzer finds go into
# $FUZZ_WORK/corpus/TARGET (default: fuzz/target/work), seeded from the
# committed fuzz/corpus/TARGET, which stays small and unchanged; crashes go
# to $FUZZ_WORK/artifacts/TARGET/. A crashing input belongs, after the fix,
# in fuzz/regressions/TARGET/, where `cargo test --test fuzz_corpus` replays it.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). The toolchain may
# be stable: RUSTC_BOOTSTRAP=1 lets cargo-fuzz use its nightly-only flags
# (sanitizer instrumentation). Set CARGO_TARGET_DIR to build elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(decode unmarshal roundtrip differential parallel seek encoder_state)
target=${1:-}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
if [[ -z $target || ( $target != all && ! " ${targets[*]} " =~ " $target " ) ]]; then
  echo "usage: $0 {$(IFS='|'; echo "${targets[*]}")|all} [SECONDS] [libFuzzer options]" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi
[[ $target == all ]] && run=("${targets[@]}") || run=("$target")

export RUSTC_BOOTSTRAP=1
target_dir=${CARGO_TARGET_DIR:-$PWD/fuzz/target}
work=${FUZZ_WORK:-$PWD/fuzz/target/work}
for t in "${run[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  echo "== $t for ${seconds}s (corpus $work/corpus/$t)"
  # -max_len: large enough for multi-block frames and state blobs with a
  # window; -rss_limit_mb: the decoder's bound is a few MiB, so 2 GiB is a bug.
  nice -n 19 cargo fuzz run --fuzz-dir fuzz --target-dir "$target_dir" "$t" \
    "$work/corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -max_len=200000 -rss_limit_mb=2048 -timeout=30 \
    -artifact_prefix="$work/artifacts/$t/" -print_final_stats=1 "$@"
done
