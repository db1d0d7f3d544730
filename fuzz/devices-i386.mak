# QEMU device configuration for nvme-pi's fuzzing build (installed into
# the fuzz tree as configs/devices/i386-softmmu/nvme-pi-fuzz.mak by
# scripts/fuzz-build).  Only what the fuzzed machines need: q35, our
# device, and QEMU's own nvme for the side-by-side baseline run.
CONFIG_Q35=y
CONFIG_PCI_DEVICES=n
CONFIG_NVME_PCI=y
CONFIG_NVME_PI=y
