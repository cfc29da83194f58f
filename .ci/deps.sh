#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine, as root, with no
# standard input: the apt packages named on the command line when missing,
# and staticcheck. Does nothing when all are there.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi
gobin=$(go env GOPATH)/bin
if [ ! -x "$gobin/staticcheck" ]; then
  echo "deps: installing staticcheck"
  GOFLAGS=-mod=mod go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 </dev/null
fi
