#!/usr/bin/env bash
# ThreadSanitizer runs of the code that uses threads:
#
#  1. the threaded Rust tests (tests/parallel_encoder.rs, tests/thread_stress.rs
#     with its C-ABI half, tests/thread_hygiene.rs) built with
#     -Zsanitizer=thread, the library and LZ4's C code included;
#  2. tests/c_support/worker_threads.c built with -fsanitize=thread and linked
#     against the library built the same way: several threads with their own
#     encoders and decoders with workers, and read-only queries, clone and
#     marshal on one shared decoder; then its thread-spawn-failure mode.
#
# Any report that the suppressions below do not cover fails the run (TSan
# exits 66). Usage: scripts/tsan.sh [rust|c|all]   (default all)
#
# What this toolchain needs, and what the results are worth:
#
# - -Zsanitizer is unstable: on a stable rustc it needs RUSTC_BOOTSTRAP=1,
#   and --target, so that build scripts and proc macros stay uninstrumented.
# - Ideally the standard library is rebuilt instrumented (-Zbuild-std, which
#   needs the rust-src component). Without rust-src (the case on the
#   development machine) the precompiled std is used; rustc then refuses to
#   mix it with instrumented crates unless -Cunsafe-allow-abi-mismatch=sanitizer
#   is given, which this script does. The price: synchronisation inside the
#   precompiled std (the mutex behind std::sync::mpsc's wakers, Arc's
#   acquire fence) is invisible to TSan, which then reports races in std's
#   own data structures. scripts/tsan.supp suppresses exactly those (and
#   libtest's result channel). Everything compiled in this crate is
#   instrumented, including the generic std code it instantiates (channels,
#   Arc, Vec) and LZ4's C code (CFLAGS), so a race on the library's own data
#   or on buffers handed between threads is still seen; a race hidden
#   entirely inside precompiled std code is not. The -Zbuild-std branch
#   below is used when rust-src is installed; it was not run on the
#   development machine (no rust-src there).
# - The C program is compiled by cc (gcc or clang) with -fsanitize=thread and
#   linked with rustc's own TSan runtime (librustc-*_rt.tsan.a), because the
#   Rust side's LLVM instrumentation calls runtime functions that an older
#   gcc libtsan lacks (__tsan_memcpy, __tsan_memset).
# - Cost on the shared 2-vCPU development machine: about 2.5 minutes to build
#   from clean, then about 3-5 minutes of tests (parallel_encoder 2-3.5 min,
#   thread_hygiene 50 s, thread_stress 25 s, the C program under a minute;
#   TSan runs them 5-20x slower). That, and the unstable flags, is why it is
#   not part of `cargo test`; tests/thread_hygiene.rs runs the C program
#   without TSan there (and its spawn-limit mode under valgrind).
# - Result on the development machine: no report beyond the suppressed ones.
set -euo pipefail

what=${1:-all}
case "$what" in rust | c | all) ;; *)
    echo "usage: $0 [rust|c|all]" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/.."
repo=$(pwd)
host=$(rustc -vV | sed -n 's/^host: //p')
sysroot=$(rustc --print sysroot)
export CARGO_TARGET_DIR=${LZ4FRAMED_TSAN_TARGET_DIR:-$repo/target/tsan}
export RUSTC_BOOTSTRAP=1
export CFLAGS="-fsanitize=thread -g"

build_std=()
if [ -d "$sysroot/lib/rustlib/src/rust/library" ]; then
    echo "tsan.sh: rust-src found: rebuilding std instrumented (-Zbuild-std), no suppressions"
    build_std=(-Zbuild-std)
    export RUSTFLAGS="-Zsanitizer=thread"
    supp=""
else
    echo "tsan.sh: no rust-src: precompiled std (uninstrumented), suppressions from scripts/tsan.supp"
    export RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer"
    supp="suppressions=$repo/scripts/tsan.supp"
fi
export TSAN_OPTIONS="${supp:+$supp }halt_on_error=0 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"

cargo_tsan() {
    cargo "$1" "${build_std[@]}" --locked --release --target "$host" "${@:2}"
}

if [ "$what" != c ]; then
    echo "tsan.sh: Rust tests under ThreadSanitizer"
    # The C programs of thread_hygiene.rs are built by the test with the
    # plain compiler flags, which cannot link the instrumented library; the
    # C part below runs the same program under TSan.
    cargo_tsan test --no-fail-fast --test parallel_encoder --test thread_stress --test thread_hygiene -- \
        --skip c_program
fi

if [ "$what" != rust ]; then
    echo "tsan.sh: C program under ThreadSanitizer"
    cargo_tsan build --lib
    lib="$CARGO_TARGET_DIR/$host/release/liblz4framed.a"
    runtime=$(ls "$sysroot"/lib/rustlib/"$host"/lib/librustc-*_rt.tsan.a | head -n 1)
    out="$CARGO_TARGET_DIR/c-tsan"
    mkdir -p "$out"
    chmod 755 "$out"
    cc=${CC:-cc}
    "$cc" -std=c99 -Wall -Wextra -Werror -pedantic -g -O1 -fsanitize=thread -I include \
        -c tests/c_support/worker_threads.c -o "$out/worker_threads.o"
    "$cc" "$out/worker_threads.o" "$lib" -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive \
        -lpthread -ldl -lm -lrt -lgcc_s -o "$out/worker_threads"
    "$out/worker_threads"
    # The spawn failure: root ignores RLIMIT_NPROC, so root runs it as nobody.
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$out/worker_threads" spawn-limit partial
    elif [ "$(id -u)" != 0 ]; then
        "$out/worker_threads" spawn-limit none
    else
        echo "tsan.sh: note: root without setpriv: the spawn-limit run was skipped"
    fi
fi
echo "tsan.sh: no unsuppressed ThreadSanitizer report"
