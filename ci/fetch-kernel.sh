#!/usr/bin/env bash
# Fetches a Linux source tree for daxlock's kernel target from Debian's linux-source
# package, caches it, and prints the tree's path (for DAXLOCK_KERNEL_SRC).
#
#   ci/fetch-kernel.sh [6.1|6.12|5.10]     (default 6.1)
#
# Only the files the kernel target reads are unpacked (Makefile, fs/dax.c,
# kernel/sched/wait.c, lib/xarray.c, include/linux/xarray.h, and the XArray test
# module lib/test_xarray.c). Nothing is stored
# in the repository; the cache is $DAXLOCK_KERNEL_CACHE (default
# ~/.cache/daxlock-kernel). Exit 3 when the package cannot be fetched (no network,
# no such package): callers say so and skip the kernel target.
set -euo pipefail
version="${1:-6.1}"
cache="${DAXLOCK_KERNEL_CACHE:-$HOME/.cache/daxlock-kernel}"
tree="$cache/linux-$version"
case "$version" in
  5.10) suites="bullseye-security bullseye" ; base="http://deb.debian.org/debian-security http://deb.debian.org/debian" ;;
  6.1)  suites="bookworm-security bookworm" ; base="http://deb.debian.org/debian-security http://deb.debian.org/debian" ;;
  6.12) suites="trixie-security trixie" ; base="http://deb.debian.org/debian-security http://deb.debian.org/debian" ;;
  *) echo "fetch-kernel: unknown version $version (known: 5.10, 6.1, 6.12)" >&2; exit 2 ;;
esac
files=(Makefile fs/dax.c kernel/sched/wait.c lib/xarray.c include/linux/xarray.h lib/test_xarray.c)
complete=1
[ -f "$tree/.complete" ] || complete=0
for f in "${files[@]}"; do [ -f "$tree/$f" ] || complete=0; done
if [ "$complete" = 1 ]; then
  echo "$tree"
  exit 0
fi
mkdir -p "$cache"
pkg="linux-source-$version"
deb=""
# The newest .deb of the package over the suites' indexes (security and main).
read -r -a suite_list <<<"$suites"
read -r -a base_list <<<"$base"
best=""
best_mirror=""
for i in "${!suite_list[@]}"; do
  suite="${suite_list[$i]}"
  mirror="${base_list[$i]}"
  index="$mirror/dists/$suite/main/binary-amd64/Packages.xz"
  [ "$suite" = bullseye-security ] && index="$mirror/dists/$suite/updates/main/binary-amd64/Packages.xz"
  file=$(curl -fsS --max-time 60 "$index" 2>/dev/null | xz -dc 2>/dev/null |
    awk -v p="$pkg" '$1=="Package:"{m=($2==p)} m&&$1=="Filename:"{print $2}' | sort -V | tail -1) || true
  if [ -n "$file" ] && { [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$(basename "$best")" "$(basename "$file")" | sort -V | tail -1)" = "$(basename "$file")" ]; }; then
    best="$file"
    best_mirror="$mirror"
  fi
done
if [ -n "$best" ]; then
  deb="$cache/$(basename "$best")"
  if [ ! -s "$deb" ]; then
    echo "fetch-kernel: downloading $best_mirror/$best" >&2
    curl -fsS --max-time 900 -o "$deb.part" "$best_mirror/$best" || { rm -f "$deb.part"; exit 3; }
    mv "$deb.part" "$deb"
  fi
fi
if [ -z "$deb" ]; then
  # Offline: the newest package already downloaded, if any.
  deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$deb" ] && echo "fetch-kernel: indexes unreachable; unpacking the cached $(basename "$deb")" >&2
fi
if [ -z "$deb" ]; then
  echo "fetch-kernel: cannot find $pkg in Debian's indexes ($suites): no network?" >&2
  exit 3
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards '*/linux-source-*.tar.xz'
tarball=$(find "$work" -name 'linux-source-*.tar.xz' | head -1)
top=$(basename "$tarball" .tar.xz)
members=()
for f in "${files[@]}"; do members+=("$top/$f"); done
tar -xJf "$tarball" -C "$work" "${members[@]}"
rm -rf "$tree"
mv "$work/$top" "$tree"
touch "$tree/.complete"
echo "$tree"
