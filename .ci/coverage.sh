#!/usr/bin/env bash
# Prints one coverage line per package from Go's raw coverage directories:
# the unit tests' (UNIT), pid 1's under the integration tests (PID1), and
# the two merged. Usage: coverage.sh UNIT PID1
set -euo pipefail
export LC_ALL=C # join needs the order sort made
unit=$1 pid1=$2
# "covdata percent" prints "<tab>PKG<tabs>coverage: N% of statements"; a
# package with no statements leaves its name on the next package's line,
# so the name is the field just before "coverage:".
percent() {
  go tool covdata percent -i="$1" | awk '{ for (i = 2; i <= NF; i++) if ($i == "coverage:") print $(i-1), $(i+1) }'
}
echo "coverage (statements)            unit   pid 1  both"
join -a1 -a2 -e - -o 0,1.2,2.2 <(percent "$unit" | sort) <(percent "$pid1" | sort) |
  join -a1 -e - -o 0,1.2,1.3,2.2 - <(percent "$unit,$pid1" | sort) |
  awk '{ sub("github.com/tinyinit/tinyinit/", "", $1); printf "coverage  %-22s %6s %6s %6s\n", $1, $2, $3, $4 }'
