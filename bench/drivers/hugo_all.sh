#!/usr/bin/env bash
# Hugo as its users run it: one site per process, two processes at a time on two cores.
#   bench/drivers/hugo_all.sh HUGO_BINARY CORPUS/hugo OUT
set -euo pipefail
hugo=$1 corpus=$2 out=$3
ls "$corpus" | xargs -P 2 -I{} "$hugo" --quiet -s "$corpus/{}" -d "$out/{}"
