#!/bin/sh
# Makes the Rust static library safe to link next to other libraries.
#
#   hide_internal_symbols.sh IN.a SHARED.so OUT.a
#
# A Rust staticlib exports every global symbol of its contents: the
# bundled LZ4 1.10 (LZ4_*, LZ4F_*, XXH*), the Rust standard library and
# every crate. Linked together with a system liblz4 those silently replace
# each other, in either link order. The shared library does not have that
# problem: rustc gives it a version script that exports only the C API. So
# the names the shared library exports are the ones the archive keeps global:
#
#  1. ld -r --whole-archive joins every member into one relocatable object,
#     so that internal references between members become references within
#     one object and the symbols they use can stop being global. The
#     exported functions are the garbage-collection roots (-u): sections
#     nothing reachable from the C API uses are dropped, which also keeps
#     programs linked against the archive small.
#  2. objcopy makes every other defined symbol local and removes the LLVM
#     bitcode sections (embedded copies of the code that no C linker uses).
#  3. ar packs the object into OUT.a.
#
# Tools can be overridden with LD, OBJCOPY, AR and NM (CMake passes the
# toolchain's). POSIX sh; ELF and GNU binutils (or compatible) only.
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: $0 IN.a SHARED.so OUT.a" >&2
    exit 2
fi
in=$1
shared=$2
out=$3
: "${LD:=ld}" "${OBJCOPY:=objcopy}" "${AR:=ar}" "${NM:=nm}"

for f in "$in" "$shared"; do
    if [ ! -f "$f" ]; then
        echo "$0: $f does not exist" >&2
        exit 1
    fi
done

work="$out.hide.d"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# The exported API: defined dynamic symbols of the shared library, minus
# any version suffix. All of them must carry the library's prefix.
"$NM" -D --defined-only "$shared" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
    sort -u >"$work/exports"
if [ ! -s "$work/exports" ]; then
    echo "$0: $shared exports no symbols" >&2
    exit 1
fi
if grep -v '^lz4framed_' "$work/exports" >"$work/foreign"; then
    echo "$0: $shared exports symbols outside the lz4framed_ prefix:" >&2
    cat "$work/foreign" >&2
    exit 1
fi

roots=$(sed 's/^/-u /' "$work/exports")
# shellcheck disable=SC2086 # one -u option per exported symbol
"$LD" -r --gc-sections $roots --whole-archive "$in" --no-whole-archive -o "$work/joined.o"
"$OBJCOPY" --keep-global-symbols="$work/exports" \
    --remove-section=.llvmbc --remove-section=.llvmcmd \
    "$work/joined.o" "$work/lz4framed.o"

# Check the result rather than trust the tools: the defined globals must
# be exactly the exports.
"$NM" -g --defined-only "$work/lz4framed.o" | awk 'NF >= 3 { print $3 }' | sort -u >"$work/globals"
if ! cmp -s "$work/exports" "$work/globals"; then
    echo "$0: the joined object's global symbols differ from the exports of $shared:" >&2
    diff "$work/exports" "$work/globals" >&2 || true
    exit 1
fi

rm -f "$out.tmp"
"$AR" rcs "$out.tmp" "$work/lz4framed.o"
mv -f "$out.tmp" "$out"
