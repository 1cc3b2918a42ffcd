#!/usr/bin/env bash
# ctest fixture "stanzajs" (tests/interop/tests.cmake): copies the StanzaJS interop peer
# (../shared/interop/stanzajs, read-only in CI) into the build tree and installs it there with
# its own setup.sh (apt packages if missing; `npm ci` from its package-lock.json).
#
#   prepare-stanzajs.sh SOURCE_DIR DEST_DIR
#
# Idempotent and quick on a second run: every file but node_modules/ is copied afresh (so files
# removed from the source disappear from the copy too), node_modules/ is kept while the copied
# package-lock.json is byte for byte the one it was installed from, and setup.sh then only checks.
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 SOURCE_DIR DEST_DIR" >&2
  exit 2
fi
src=$1
dst=$2

if [[ ! -f "$src/peer.mjs" || ! -f "$src/setup.sh" || ! -f "$src/package-lock.json" ]]; then
  cat >&2 <<MSG
prepare-stanzajs: FAILED: the StanzaJS interop peer is not at
  $src
The interop tests need the shared tree beside the clone: <clone>/../shared/interop/stanzajs.
They fail rather than skip without it.
MSG
  exit 1
fi

mkdir -p "$dst"
find "$dst" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
# tar keeps the modes (the scripts stay executable) and the modification times.
tar -C "$src" --exclude=node_modules -cf - . | tar -C "$dst" --no-same-owner -xf -
# The source has no write bits; the copy gets them back so that the next run can replace it.
find "$dst" -path "$dst/node_modules" -prune -o -exec chmod u+w {} +

# setup.sh runs `npm ci` when node_modules/.package-lock.json is missing or older than
# package-lock.json; a lock with other content but an older time would slip through that test.
installed_lock="$dst/node_modules/.jcall-installed-package-lock.json"
if ! cmp -s "$dst/package-lock.json" "$installed_lock"; then
  rm -f "$dst/node_modules/.package-lock.json"
fi
"$dst/setup.sh"
cp "$dst/package-lock.json" "$installed_lock"
echo "prepare-stanzajs: ready in $dst"
