# Added to devices-x86_64.mak by scripts/qemu-overlay for QEMU 10.1 and
# later.  From 10.1 on, --without-default-devices really ignores every
# "default y" (minikconf before 10.1 still applied them), so what 10.0
# got by default must be named here; these symbols do not all exist in
# 7.2, which is why they are not in the common list.
# QEMU's nvme (the baseline device) calls the SPDM socket backend.
CONFIG_SPDM_SOCKET=y
# hw/acpi/cxl.c, which the PC machines' ACPI pulls in, calls into
# hw/cxl from 10.1 on and hw/cxl has no stub for it: build CXL (it
# needs the PCIe expander bridge; its root port type derives from
# PCIe's root port), and hw/cxl in turn calls the CXL type 3 memory
# device, whose stubs do not cover those calls.
CONFIG_PXB=y
CONFIG_PCIE_PORT=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
