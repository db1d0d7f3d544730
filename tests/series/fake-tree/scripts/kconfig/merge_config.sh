#!/bin/sh
# tests/series/fake-tree: stand-in for the kernel's merge_config.sh
# (-m -O DIR BASE FRAGMENT...): the fragments appended to BASE.
[ "$1" = -m ] && shift
[ "$1" = -O ] && shift 2
base=$1; shift
cat "$@" >> "$base"
