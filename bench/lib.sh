# bench/lib.sh: what bench/detect, bench/false-positives and
# bench/hooks-overhead share: fetch the kernel, build the guest image, boot
# one guest with a job (docs/guest-protocol.md) and collect its result and
# the nvme-pi counters over QMP.  Sourced, not run.
#
# The caller sets: src (repo root), work (scratch directory), qemu, kernel,
# accel; then calls bench_prepare [--full] once and bench_boot per guest.

bench_die() { echo "${bench_name:-bench}: $*" >&2; exit 1; }

# bench_prepare [--full]: kernel + guest image into $work.
bench_prepare() {
    export NVME_PI_CACHE=${NVME_PI_CACHE:-$HOME/.cache/nvme-pi}
    case "$kernel" in
    debian:*) kdir=$("$src/scripts/kernel-fetch" "$kernel") ;;
    *) kdir=$kernel ;;
    esac
    vmlinuz=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -n1)
    [ -n "$vmlinuz" ] || bench_die "no boot/vmlinuz-* in $kdir"
    kver=${vmlinuz##*/vmlinuz-}
    "$src/guest/mkimage" --kernel-dir "$kdir" --out "$work/image.cpio.gz" "$@" >&2
}

# bench_boot TAG JOBFILE LIMIT STATDEVS -- QEMU-DEVICE-ARGS...
# Boots once.  Leaves $work/TAG.result.json (the guest's result object),
# $work/TAG.stats.json ({"id": {"stat-...": n}} for each nvme-pi id in the
# space-separated STATDEVS, read over QMP after the guest powered off),
# $work/TAG.console.log.  Returns 1 when no result frame arrived.
bench_boot() {
    local tag=$1 job=$2 limit=$3 statdevs=$4 rc qmppid
    shift 4
    [ "${1:-}" = -- ] && shift
    mkdir -p "$work/$tag.root/nvme-pi"
    cp "$job" "$work/$tag.root/nvme-pi/job"
    (cd "$work/$tag.root" && printf 'nvme-pi\nnvme-pi/job\n' | cpio -o -H newc --quiet -R 0:0) > "$work/$tag.job.cpio"
    cat "$work/$tag.job.cpio" "$work/image.cpio.gz" > "$work/$tag.initrd"
    rm -f "$work/$tag.qmp" "$work/$tag.stats.json"
    : > "$work/$tag.result.txt"
    # shutdown=pause: the guest's poweroff leaves the devices in place for
    # qom-get; qmp-stats.py then quits QEMU.
    python3 "$src/bench/qmp-stats.py" "$work/$tag.qmp" "$work/$tag.stats.json" $statdevs &
    qmppid=$!
    set +e
    timeout "$limit" "$qemu" -M q35 -nodefaults -accel "$accel" -cpu max -m 2G -smp 2,sockets=2 \
        -display none -no-reboot -action shutdown=pause -nic none \
        -L /usr/share/qemu -L /usr/share/seabios \
        -kernel "$vmlinuz" -initrd "$work/$tag.initrd" \
        -append "console=ttyS0 panic=-1 oops=panic no_timer_check nvmepi.run=$tag" \
        -serial "file:$work/$tag.console.log" -monitor none \
        -qmp "unix:$work/$tag.qmp,server=on,wait=off" \
        -chardev "file,id=result,path=$work/$tag.result.txt" -serial chardev:result \
        "$@" < /dev/null > "$work/$tag.qemu.out" 2>&1
    rc=$?
    set -e
    kill "$qmppid" 2>/dev/null || true
    wait "$qmppid" 2>/dev/null || true
    if ! grep -q '^NVMEPI-RESULT-END' "$work/$tag.result.txt"; then
        echo "${bench_name:-bench}: $tag: no result frame (QEMU exit $rc); console tail:" >&2
        tail -n 30 "$work/$tag.console.log" "$work/$tag.qemu.out" >&2 2>/dev/null || true
        return 1
    fi
    tr -d '\r' < "$work/$tag.result.txt" | sed -n '/^NVMEPI-RESULT-BEGIN$/,/^NVMEPI-RESULT-END$/p' |
        sed '1d;$d' > "$work/$tag.result.json"
}

# Device arguments: QEMU's own nvme + nvme-ns, and nvme-pi, both 4096+8 PI
# type 1 on raw files of SIZE in $work.
bench_dev_qemu() {  # ID SERIAL SIZE
    truncate -s "$3" "$work/$1.img"
    echo "-drive if=none,id=d$1,file=$work/$1.img,format=raw,cache=none" \
         "-device nvme,id=$1,serial=$2" \
         "-device nvme-ns,drive=d$1,bus=$1,logical_block_size=4096,physical_block_size=4096,ms=8,pi=1,mset=0"
}
bench_dev_pi() {  # ID SERIAL SIZE EXTRA-PROPERTIES
    truncate -s "$3" "$work/$1.img"
    echo "-drive if=none,id=d$1,file=$work/$1.img,format=raw,cache=none" \
         "-device nvme-pi,id=$1,drive=d$1,serial=$2,logical_block_size=4096,physical_block_size=4096,ms=8,pi=1${4:-}"
}
