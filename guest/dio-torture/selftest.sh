#!/bin/sh
# selftest.sh - check dio-torture end to end on a regular file (no VM, no
# root).  Asserts fields of the JSON on stdout with grep.
#
# Every assertion holds however the threads are scheduled: a loaded
# machine may run a whole write before the mutator thread gets a CPU, so
# a case that needs a mutated write uses --await-mutation, and the one
# that needs a corrupted block corrupts it while dio-torture is stopped
# between its write and verify phases (--stop-before-verify).
#
#   DIO_TORTURE=path/to/dio-torture  the binary (default: next to this script)
#   DT_SELFTEST_DIR=dir              where the scratch file goes (default
#                                    $TMPDIR or /tmp); must support O_DIRECT
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (no O_DIRECT here).

set -u

here=$(cd "$(dirname "$0")" && pwd)
dt=${DIO_TORTURE:-$here/dio-torture}
dir=${DT_SELFTEST_DIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$dir/dio-torture-selftest.XXXXXX") || exit 1
img=$work/target.img
out=$work/out.json
err=$work/err.txt
fails=0
checks=0
dtpid=

cleanup() {
    # a dio-torture still stopped before verify would never exit
    if [ -n "$dtpid" ]; then
        kill -CONT "$dtpid" 2>/dev/null
        wait "$dtpid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    fails=$((fails + 1))
    echo "FAIL: $*" >&2
    if [ -s "$err" ]; then
        sed 's/^/    stderr: /' "$err" >&2
    fi
    if [ -s "$out" ]; then
        sed 's/^/    stdout: /' "$out" >&2
    fi
}

# num KEY: the first numeric value of "KEY" in the last JSON output
num() {
    v=$(grep -o "\"$1\":[0-9]*" "$out" 2>/dev/null | head -n 1 | cut -d: -f2)
    echo "${v:-0}"
}

# run WANT_EXIT WHAT ARGS...: run dio-torture, check its exit status
run() {
    want=$1
    what=$2
    shift 2
    checks=$((checks + 1))
    "$dt" "$@" >"$out" 2>"$err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$what: exit $rc, want $want ($*)"
        return 1
    fi
    return 0
}

# has WHAT REGEX: the JSON output matches REGEX (grep -E)
has() {
    checks=$((checks + 1))
    if ! grep -Eq -- "$2" "$out"; then
        fail "$1: output lacks /$2/"
        return 1
    fi
    return 0
}

# gt0 WHAT KEY: numeric KEY is above zero
gt0() {
    checks=$((checks + 1))
    v=$(num "$2")
    if [ -z "$v" ] || [ "$v" -le 0 ]; then
        fail "$1: $2 is '${v}', want > 0"
        return 1
    fi
    return 0
}

# after_return WHAT: every rewrite came after its submit call returned
# (mut_ns >= sub_ns, both from the call), and there was at least one.
after_return() {
    checks=$((checks + 1))
    if ! python3 - "$out" <<'PYEOF'
import json, sys
pw = json.load(open(sys.argv[1]))["per_write"]
done = [w for w in pw if w["k"]]
sys.exit(0 if done and all(w["mut_ns"] >= w["sub_ns"] for w in done) else 1)
PYEOF
    then
        fail "$1: a rewrite before its submit returned, or none"
        return 1
    fi
    return 0
}

# all_recorded WHAT: one per_write record per write, seq 1..writes
all_recorded() {
    checks=$((checks + 1))
    if ! python3 - "$out" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
pw = d["per_write"]
sys.exit(0 if [w["seq"] for w in pw] == list(range(1, d["writes"] + 1)) else 1)
PYEOF
    then
        fail "$1: per_write records do not match the writes"
        return 1
    fi
    return 0
}

clean_errors='"write_errors":\{"EILSEQ":0,"EIO":0,"other":0,'
clean_reads='"read_errors":\{"EILSEQ":0,"EIO":0,"other":0,'

if [ ! -x "$dt" ]; then
    echo "selftest: $dt not found or not executable (set DIO_TORTURE)" >&2
    exit 1
fi

# -- no I/O ------------------------------------------------------------------
run 0 "self-test" --self-test
run 0 "--help" --help && has "--help" "Exit status"
run 3 "bad --bs" -t "$img" --bs 4x &&
    if ! grep -q -- "--bs" "$err"; then fail "bad --bs: message names no option"; fi
run 3 "bad --mutate" -t "$img" -s 1M --mutate sometimes
run 3 "page-reuse with psync" -t "$img" -s 1M --mutate page-reuse
run 4 "unopenable target" -t "$work/no/such/dir/f" -s 1M &&
    has "unopenable target" '"exit":4' && has "unopenable target" '"error":"cannot open'

# -- probe O_DIRECT on this filesystem ---------------------------------------
"$dt" -q -t "$img" -s 1M -n 1 >"$out" 2>"$err"
if [ $? = 4 ] && grep -q "O_DIRECT\|direct I/O" "$err"; then
    echo "SKIP: $dir does not support O_DIRECT (set DT_SELFTEST_DIR)" >&2
    exit 77
fi

blocks=2048 # 8 MiB of 4 KiB blocks, each written once
for eng in psync libaio io_uring; do
    # No mutation: every block must read back as first written.
    if run 0 "$eng none" -q -t "$img" -s 8M -e "$eng" --seed 11; then
        has "$eng none" "\"writes\":$blocks," &&
            has "$eng none" "$clean_errors" &&
            has "$eng none" "$clean_reads" &&
            has "$eng none" "\"ok_first\":$blocks,\"ok_last\":0,\"ok_mid\":0,\"torn\":0,\"write_failed\":0,\"read_failed\":0,\"silent_mismatch\":0" &&
            has "$eng none" '"exit":0'
    fi

    # Continuous rewriting: nothing may be unexplained.  With an
    # asynchronous engine --await-mutation makes the mutator catch every
    # write; with psync whether it catches any depends on the scheduler.
    await=--await-mutation
    [ "$eng" = psync ] && await=
    if run 0 "$eng continuous" -q -t "$img" -s 8M -e "$eng" -j 2 \
        --mutate continuous $await -D 1 --seed 12; then
        has "$eng continuous" '"silent_mismatch":0' &&
            has "$eng continuous" "$clean_errors"
        if [ -n "$await" ]; then
            gt0 "$eng continuous" mutations &&
                gt0 "$eng continuous" mutated_writes &&
                has "$eng continuous" '"unmutated_writes":0,'
        fi
        changed=$(($(num ok_last) + $(num ok_mid) + $(num torn)))
        echo "selftest: $eng continuous: ok_first $(num ok_first)," \
            "ok_last $(num ok_last), ok_mid $(num ok_mid), torn $(num torn)" >&2
        if [ "$changed" = 0 ]; then
            echo "NOTE: $eng continuous: no block shows the mutation on" \
                "this filesystem (copied at submit?)" >&2
        fi
    fi
done

for eng in libaio io_uring; do
    for mode in page-reuse once-after=10 once-after=0,bytes=100 \
        once-after=5,from=return,bytes=64 partial; do
        if run 0 "$eng $mode" -q -t "$img" -s 8M -e "$eng" --mutate "$mode" \
            -D 0.5 --seed 13; then
            has "$eng $mode" '"silent_mismatch":0' &&
                has "$eng $mode" "$clean_errors"
        fi
    done
done

# Random order, several threads, a count smaller than the area.
if run 0 "rand count" -q -t "$img" -s 8M -e libaio -j 3 -d 4 --pattern rand \
    -n 1000 --seed 14; then
    has "rand count" '"writes":1000,' && has "rand count" '"silent_mismatch":0' &&
        has "rand count" '"stopped_by":"count"'
fi

# --per-write: one record per write, in order, with its offset; a
# once-after rewrite shows k 1 and its time since submission.  Without
# --await-mutation a write may complete before the mutator thread runs.
if run 0 "per-write" -q -t "$img" -s 8M -e libaio -d 1 -n 20 \
    --mutate once-after=0 --await-mutation --per-write --seed 16; then
    has "per-write" '"per_write":\[\{"seq":1,"offset":0,"errno":null,"k":1,"sub_ns":[0-9]+,"mut_ns":[1-9]' &&
        has "per-write" '\{"seq":20,"offset":77824,"errno":null,"k":1,' &&
        has "per-write" '"mutated_writes":20,' &&
        has "per-write" '"per_write_dropped":0'
fi
# from=return: every rewrite comes after its submit call returned.
if run 0 "per-write return" -q -t "$img" -s 8M -e libaio -d 1 -n 20 \
    --mutate once-after=0,from=return --await-mutation --per-write --seed 18; then
    has "per-write return" '"after_us":0,"from":"return"' &&
        has "per-write return" '"mutated_writes":20,' &&
        after_return "per-write return"
fi
# A duration: how many writes fit in it depends on the machine (none, if
# the worker thread got no CPU in time), but every write has its record.
if run 0 "per-write duration" -q -t "$img" -s 8M -e libaio -D 0.2 \
    --per-write --seed 17; then
    has "per-write duration" '"per_write_dropped":0' &&
        all_recorded "per-write duration"
fi
# Usage errors of --await-mutation.
run 3 "await with psync" -t "$img" -s 1M --mutate continuous --await-mutation
run 3 "await without a mutator" -t "$img" -s 1M -e libaio --await-mutation

# -- verify in a later run: --journal, then --verify-only -------------------
jr=$work/journal.img
rm -f "$img" "$jr"
if run 0 "journal write" -q -t "$img" -s 2M -e libaio -d 4 --pattern rand \
    -n 900 --mutate continuous --seed 21 --journal "$jr"; then
    has "journal write" '"journal":\{"path":"[^"]*","records":1800\}'
fi
if run 0 "verify-only" -q -t "$img" --journal "$jr" --verify-only; then
    has "verify-only" '"mode":"verify-only"' &&
        has "verify-only" '"submitted":900,"completed":900' &&
        has "verify-only" '"earlier":0,' &&
        has "verify-only" '"mixed":0,"neither":0,"never_completed":0,"read_failed":0' &&
        gt0 "verify-only" last
fi
# The same blocks 8 KiB further into another file: --offset moves the
# reads, the identity stays the journal's (an md leg at its data offset).
{ dd if=/dev/zero bs=8192 count=1 2>/dev/null; cat "$img"; } >"$work/shifted.img"
if run 0 "verify-only --offset" -q -t "$work/shifted.img" -o 8192 \
    --journal "$jr" --verify-only; then
    has "verify-only --offset" '"offset":8192,' &&
        has "verify-only --offset" '"neither":0,'
fi
# Block 0 overwritten with other bytes (written or not, nothing the
# journal lists explains them): neither, exit 2.
dd if=/dev/urandom of="$img" bs=4096 count=1 conv=notrunc 2>/dev/null
if run 2 "verify-only neither" -q -t "$img" --journal "$jr" --verify-only; then
    has "verify-only neither" '"neither":1,' &&
        has "verify-only neither" '"class":"neither"' &&
        has "verify-only neither" '"exit":2'
fi
run 3 "verify-only without journal" -q -t "$img" --verify-only
run 3 "verify-only with --bs" -q -t "$img" --journal "$jr" --verify-only -b 8k
run 3 "verify-only, not a journal" -q -t "$img" --journal "$img" --verify-only

# -- silent corruption must be caught (exit 2) --------------------------------
# dio-torture stops itself between its write and verify phases; block 0 is
# zeroed then, so verify must find it wrong with no error reported.
checks=$((checks + 1))
rm -f "$img"
"$dt" -q -t "$img" -s 1M -e psync --seed 15 --stop-before-verify >"$out" 2>"$err" &
dtpid=$!
# Wait for the stop (state T), or for an early exit; no time limit.
while :; do
    st=$(sed 's/.*) //' "/proc/$dtpid/stat" 2>/dev/null | cut -d' ' -f1)
    case "$st" in T | t | Z | "") break ;; esac
    sleep 0.05
done
dd if=/dev/zero of="$img" bs=4096 count=1 conv=notrunc oflag=direct 2>/dev/null
kill -CONT "$dtpid" 2>/dev/null
wait "$dtpid"
rc=$?
dtpid=
if [ "$st" != T ] && [ "$st" != t ]; then
    fail "silent mismatch: dio-torture did not stop before verify (exit $rc)"
elif [ "$rc" != 2 ]; then
    fail "silent mismatch: exit $rc, want 2"
else
    gt0 "silent mismatch" silent_mismatch &&
        has "silent mismatch" '"class":"silent_mismatch"' &&
        has "silent mismatch" '"exit":2'
fi

echo "selftest: $checks checks, $fails failed" >&2
[ "$fails" = 0 ]
