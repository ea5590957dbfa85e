#!/bin/sh
# Installs (or uninstalls) libnoob_core into a prefix without cargo-c.
#
#   scripts/install.sh install     # PREFIX=/usr/local, DESTDIR honoured
#   scripts/install.sh uninstall
#
# Installs lib/libnoob_core.so.X.Y.Z with its SONAME and .so links,
# lib/libnoob_core.a, include/noob_core.h, lib/pkgconfig/noob_core.pc and
# lib/cmake/noob_core/noob_core{Config,ConfigVersion}.cmake.
# Set NOOB_SKIP_BUILD=1 to install what target/release already holds.
set -eu

action=${1:-install}
here=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -n 1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
# Must match build.rs: before 1.0 a minor release may break the ABI.
if [ "$major" = 0 ]; then soname="libnoob_core.so.0.$minor"; else soname="libnoob_core.so.$major"; fi
real="libnoob_core.so.$version"

lib="$DESTDIR$LIBDIR"
inc="$DESTDIR$INCLUDEDIR"
pc="$lib/pkgconfig"
cm="$lib/cmake/noob_core"

case "$action" in
uninstall)
    rm -f "$lib/$real" "$lib/$soname" "$lib/libnoob_core.so" "$lib/libnoob_core.a" \
        "$inc/noob_core.h" "$pc/noob_core.pc" \
        "$cm/noob_coreConfig.cmake" "$cm/noob_coreConfigVersion.cmake"
    rmdir "$cm" 2>/dev/null || true
    echo "uninstalled noob_core $version from $DESTDIR$PREFIX"
    exit 0
    ;;
install) ;;
*)
    echo "usage: $0 [install|uninstall]" >&2
    exit 2
    ;;
esac

if [ "${NOOB_SKIP_BUILD:-0}" != 1 ]; then
    (cd "$here" && cargo build --release --lib)
fi
built="$CARGO_TARGET_DIR/release"
for f in libnoob_core.so libnoob_core.a; do
    [ -f "$built/$f" ] || { echo "missing $built/$f: build first" >&2; exit 1; }
done

# What a static link of this library needs besides it, as rustc reports it for std.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
: > "$probe/probe.rs"
static_libs=$(rustc --crate-type staticlib --crate-name probe --print native-static-libs \
    -o "$probe/libprobe.a" "$probe/probe.rs" 2>&1 | sed -n 's/.*native-static-libs: //p')

install -d "$lib" "$inc" "$pc" "$cm"
install -m 0755 "$built/libnoob_core.so" "$lib/$real"
ln -sf "$real" "$lib/$soname"
ln -sf "$soname" "$lib/libnoob_core.so"
install -m 0644 "$built/libnoob_core.a" "$lib/libnoob_core.a"
install -m 0644 "$here/include/noob_core.h" "$inc/noob_core.h"

sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@LIBDIR@|$LIBDIR|g" -e "s|@INCLUDEDIR@|$INCLUDEDIR|g" \
    -e "s|@VERSION@|$version|g" -e "s|@STATIC_LIBS@|$static_libs|g" \
    "$here/cmake/noob_core.pc.in" > "$pc/noob_core.pc"
sed -e "s|@VERSION@|$version|g" -e "s|@SONAME@|$soname|g" \
    -e "s|@LIBDIR@|$LIBDIR|g" -e "s|@INCLUDEDIR@|$INCLUDEDIR|g" -e "s|@PREFIX@|$PREFIX|g" \
    -e "s|@STATIC_LIBS@|$static_libs|g" \
    "$here/cmake/noob_coreConfig.cmake.in" > "$cm/noob_coreConfig.cmake"
sed -e "s|@VERSION@|$version|g" \
    "$here/cmake/noob_coreConfigVersion.cmake.in" > "$cm/noob_coreConfigVersion.cmake"
echo "installed noob_core $version into $DESTDIR$PREFIX"
