#!/usr/bin/env bash
# Fetches a Linux source tree for daxlock's kernel target from Debian's linux-source
# package, caches it, and prints the tree's path (for DAXLOCK_KERNEL_SRC). The
# package comes from the mirrors the machine's apt sources name (no host is
# written here).
#
#   ci/fetch-kernel.sh [6.1|6.12|5.10]     (default 6.1)
#   ci/fetch-kernel.sh --mirrors           (the mirrors it would use)
#
# Only the files the kernel target reads are unpacked (Makefile, fs/dax.c,
# kernel/sched/wait.c, lib/xarray.c, include/linux/xarray.h, and the XArray test
# module lib/test_xarray.c). Nothing is stored
# in the repository; the cache is $DAXLOCK_KERNEL_CACHE (default
# ~/.cache/daxlock-kernel). Exit 3 when the package cannot be fetched (no network,
# no such package): callers say so and skip the kernel target.
set -euo pipefail
# `--mirrors` prints the archive and security mirrors found and exits.
# DAXLOCK_APT_ROOT (default /etc/apt) is where the apt sources are read.
apt_root="${DAXLOCK_APT_ROOT:-/etc/apt}"
mirrors_only=0
if [ "${1:-}" = --mirrors ]; then mirrors_only=1; set -- 6.1; fi
version="${1:-6.1}"
cache="${DAXLOCK_KERNEL_CACHE:-$HOME/.cache/daxlock-kernel}"
tree="$cache/linux-$version"
case "$version" in
  5.10) codename=bullseye ;;
  6.1)  codename=bookworm ;;
  6.12) codename=trixie ;;
  *) echo "fetch-kernel: unknown version $version (known: 5.10, 6.1, 6.12)" >&2; exit 2 ;;
esac
# The mirrors are the machine's own: the archive and security URIs its apt sources
# name (deb822 `URIs:` stanzas in /etc/apt/sources.list.d/*.sources, one-line `deb`
# entries in /etc/apt/sources.list). A source whose suites end in -security is the
# security mirror; any other Debian source is the archive. The suites asked for
# are this version's (another release's suites on the same mirrors).
apt_mirrors() {
  local f
  {
    for f in "$apt_root"/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'BEGIN{RS=""; FS="\n"} {
        uris=""; suites=""; types=""; enabled="yes"
        for (i = 1; i <= NF; i++) {
          line = $i; sub(/^[ \t]+/, "", line)
          if (line ~ /^#/) continue
          split(line, kv, ":"); key = tolower(kv[1]); val = substr(line, length(kv[1]) + 2)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          if (key == "uris") uris = val; else if (key == "suites") suites = val
          else if (key == "types") types = val; else if (key == "enabled") enabled = tolower(val)
        }
        if (enabled != "no" && types ~ /(^| )deb( |$)/ && uris != "")
          { n = split(uris, u, " "); for (j = 1; j <= n; j++) print u[j], suites }
      }' "$f"
    done
    [ -f "$apt_root/sources.list" ] && awk '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        print $i, $(i + 1) }' "$apt_root/sources.list"
  } | awk '{ sub(/\/+$/, "", $1); sec = ($0 ~ /-security/) }
      sec && security == "" { security = $1 }
      !sec && archive == "" { archive = $1 }
      END { print archive, security }'
}
read -r archive_mirror security_mirror <<<"$(apt_mirrors)" || true
if [ "$mirrors_only" = 1 ]; then
  echo "${archive_mirror:-} ${security_mirror:-}"
  exit 0
fi
suites=""
base=""
if [ -n "${security_mirror:-}" ]; then suites="$codename-security"; base="$security_mirror"; fi
if [ -n "${archive_mirror:-}" ]; then suites="$suites $codename"; base="$base $archive_mirror"; fi
if [ -z "$base" ]; then
  echo "fetch-kernel: no Debian mirror in the apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list); using the cache only" >&2
fi
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
  echo "fetch-kernel: cannot find $pkg in the apt mirrors' indexes (${suites:-no mirror}): no network?" >&2
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
