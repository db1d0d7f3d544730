# QEMU device configuration used for nvme-pi's QEMU build (installed into
# QEMU's tree as configs/devices/x86_64-softmmu/nvme-pi.mak and chosen
# with --with-devices-x86_64=nvme-pi).  Only what the torture VMs and the
# qtests need: two PC machines, PCI(e), our device, QEMU's own nvme for
# side-by-side baselines, virtio-serial for the result channel.
CONFIG_I440FX=y
CONFIG_Q35=y
CONFIG_PCI_DEVICES=n
CONFIG_NVME_PCI=y
CONFIG_NVME_PI=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_VIRTIO_BLK=y
CONFIG_PVPANIC_ISA=y
CONFIG_ISA_DEBUG=y
