#!/usr/bin/env bash
# What Linux does when a netlink module answers the header's port id and the header says 0: boot
# the course's VM kernel (Debian 6.1, build/vm) with a throw-away initramfs that loads nl_loop.ko
# (protocol 26, echoes to nlmsg_pid, no guard) and runs send0 (one message with nlmsg_pid 0), and
# print the kernel's console. Measured 2026-12-02: "BUG: TASK stack guard page was hit" about 140
# replies deep, then "Kernel panic - not syncing: Fatal exception in interrupt". The VM dies; the
# script returns when QEMU does (panic=-1 reboots, -no-reboot exits). Not part of the image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
vm=$repo/build/vm
kver=$(ls "$vm/kernel" | grep -v '^virtio$' | head -1)
headers=$vm/kernel/$kver/root/usr/src/linux-headers-$kver
[[ -d $headers && -d $vm/initramfs-root ]] || { echo "build the VM image first: bash sandboxes/vm/image/build.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/nl_loop.c" "$here/send0.c" "$work/"
echo 'obj-m := nl_loop.o' > "$work/Kbuild"
make -s -C "$headers" M="$work" modules 2>&1 | grep -v 'Skipping BTF' || true
gcc -static -O2 -o "$work/send0" "$work/send0.c"
cp -a "$vm/initramfs-root" "$work/root"
cp "$work/nl_loop.ko" "$work/send0" "$work/root/root/"
cat > "$work/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 8 > /proc/sys/kernel/printk
insmod /root/nl_loop.ko && echo "init: nl_loop loaded"
/root/send0 &
sleep 30
echo "init: still alive 30 s later"
poweroff -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null) > "$work/loop.cpio"
timeout 180 qemu-system-x86_64 -M pc -accel tcg -m 256 -smp 1 -nodefaults -no-user-config \
	-display none -monitor none -nic none -no-reboot -serial stdio \
	-kernel "$vm/kernel/$kver/vmlinux" -initrd "$work/loop.cpio" \
	-append "console=ttyS0 panic=-1 no_timer_check" | grep -E 'nl_loop: |send0:|init:|BUG:|guard page:|panic|Comm:'
