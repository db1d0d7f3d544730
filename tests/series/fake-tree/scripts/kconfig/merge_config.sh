#!/bin/sh
# tests/series/fake-tree: stand-in for the kernel's merge_config.sh
# (-m -O DIR BASE FRAGMENT...): the fragments merged into BASE, each
# option's last line winning, as in the kernel's.
[ "$1" = -m ] && shift
[ "$1" = -O ] && shift 2
base=$1; shift
awk '{ k = $0 }
     /^CONFIG_[A-Za-z0-9_]+=/ { k = substr($0, 1, index($0, "=") - 1) }
     /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { k = $2 }
     !(k in line) { order[++n] = k }
     { line[k] = $0 }
     END { for (i = 1; i <= n; i++) print line[order[i]] }' "$base" "$@" > "$base.merged" &&
    mv "$base.merged" "$base"
