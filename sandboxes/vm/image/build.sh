#!/usr/bin/env bash
# Build the netlink-lab VM image from Debian packages, into build/vm/ (never committed):
#
#   build/vm/kernel/<release>/   Debian's kernel, its virtio modules and headers (dpkg -x, nothing installed)
#   build/vm/vmlinux             the kernel, decompressed (an ELF with a PVH entry: QEMU boots it
#                                directly, ~3 s faster under TCG than the xz-compressed bzImage)
#   build/vm/initramfs.cpio      busybox, /init, virtio modules, nlmon.ko, the course's modules, the course's
#                                static C programs, the real-kernel agent
#   build/vm/manifest.json       what was built (read by sandboxes/vm/qemu.ts)
#
# Run as `npm run vm:build`. Idempotent: when nothing changed it only checks and exits.
# Environment: NETLINK_LAB_VM_DIR (output dir), NETLINK_LAB_VM_KERNEL (e.g. 6.1.0-56-amd64).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VM_SRC=$ROOT/sandboxes/vm
OUT=${NETLINK_LAB_VM_DIR:-$ROOT/build/vm}
AGENT_DIR=$ROOT/sandboxes/real/agent
PACKAGES=(qemu-system-x86 busybox-static gcc make libc6-dev cpio xz-utils util-linux)

log() { echo "vm:build: $*"; }
die() { echo "vm:build: error: $*" >&2; exit 1; }

# One build at a time (tests and the relay may all call it on first use).
mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"
flock 9

# --- Debian packages on the host -------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		die "missing Debian packages: ${missing[*]}. Install them as root:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	flock /tmp/apt.lock apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ flock /tmp/apt.lock apt-get update && flock /tmp/apt.lock apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

# --- Which kernel: the one Debian's linux-image-amd64 points at --------------------------------
resolve_kernel() {
	apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1
}
KVER=${NETLINK_LAB_VM_KERNEL:-$(resolve_kernel)}
if [[ -z $KVER && $(id -u) -eq 0 ]]; then
	log "apt has no package lists: running apt-get update"
	flock /tmp/apt.lock apt-get update -qq
	KVER=$(resolve_kernel)
fi
[[ -n $KVER ]] || die "cannot resolve the kernel package: 'apt-cache depends linux-image-amd64' names no linux-image-*-amd64 (run apt-get update, or set NETLINK_LAB_VM_KERNEL=6.1.0-NN-amd64)"
KABI=${KVER%-amd64}                 # 6.1.0-56
KSERIES=$(echo "$KVER" | cut -d. -f1,2) # 6.1

KDIR=$OUT/kernel/$KVER
VIRTIO_MODULES=(drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_mmio.ko
	drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko
	drivers/virtio/virtio_pci.ko drivers/char/virtio_console.ko)
# The link kinds an unprivileged `unshare -Urn` namespace can create (lesson 2.9, the rtnetlink
# scenarios): veth, and bridge with what it needs; loaded by /init in this order.
NET_MODULES=(net/llc/llc.ko net/802/stp.ko net/bridge/bridge.ko drivers/net/veth.ko)
KROOT=$KDIR/root
HEADERS=$KROOT/usr/src/linux-headers-$KVER
MODDIR=$KROOT/lib/modules/$KVER/kernel

# --- Kernel, modules and headers: apt-get download + dpkg -x ----------------------------------
if [[ ! -f $KDIR/.done || ! -d $KDIR/virtio || ! -d $KDIR/net ]]; then
	log "fetching Debian kernel $KVER"
	rm -rf "$KDIR"
	mkdir -p "$KDIR/debs"
	# apt-get download as root warns that the _apt user cannot write here; that is harmless.
	(cd "$KDIR/debs" && apt-get download -q \
		"linux-image-$KVER" "linux-headers-$KVER" "linux-headers-$KABI-common" "linux-kbuild-$KSERIES" 2>&1 |
		grep -v 'Download is performed unsandboxed' || true)
	for deb in "$KDIR"/debs/*.deb; do dpkg -x "$deb" "$KROOT"; done
	[[ -f $KROOT/boot/vmlinuz-$KVER && -d $HEADERS ]] || die "the downloaded packages lack vmlinuz-$KVER or linux-headers-$KVER (see $KDIR/debs)"
	# The headers' Makefile includes the common tree by its installed (absolute) path.
	sed -i "s|^include /usr/src/|include $KROOT/usr/src/|" "$HEADERS/Makefile"
	# bzImage → vmlinux: the xz stream after the setup code holds the ELF kernel.
	off=$(grep -abo $'\xfd7zXZ\x00' "$KROOT/boot/vmlinuz-$KVER" | head -1 | cut -d: -f1)
	[[ -n $off ]] || die "no xz stream in vmlinuz-$KVER: cannot extract vmlinux"
	tail -c +$((off + 1)) "$KROOT/boot/vmlinuz-$KVER" | xz -dc >"$KDIR/vmlinux" 2>/dev/null || true
	readelf -n "$KDIR/vmlinux" 2>/dev/null | grep -q 'Xen' || die "the extracted vmlinux has no PVH note"
	# Keep the few modules the guest loads; Debian's other ~400 MB of modules are not needed.
	mkdir -p "$KDIR/virtio"
	for m in "${VIRTIO_MODULES[@]}"; do cp "$MODDIR/$m" "$KDIR/virtio/"; done
	mkdir -p "$KDIR/net"
	for m in "${NET_MODULES[@]}"; do cp "$MODDIR/$m" "$KDIR/net/"; done
	mkdir -p "$KDIR/extra"
	cp "$MODDIR/drivers/net/nlmon.ko" "$KDIR/extra/"
	rm -rf "$KDIR/debs" "$MODDIR"
	touch "$KDIR/.done"
fi

# nlmon (drivers/net/nlmon.ko): netlink monitor devices, for captures in the guest (nlcap). Fetched
# on its own so that an existing kernel directory need not be fetched again.
if [[ ! -f $KDIR/extra/nlmon.ko ]]; then
	log "fetching nlmon.ko from linux-image-$KVER"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "linux-image-$KVER" 2>&1 | grep -v 'Download is performed unsandboxed' || true)
	dpkg -x "$tmp"/linux-image-*.deb "$tmp/root"
	mkdir -p "$KDIR/extra"
	cp "$tmp/root/lib/modules/$KVER/kernel/drivers/net/nlmon.ko" "$KDIR/extra/" || die "linux-image-$KVER has no drivers/net/nlmon.ko"
	rm -rf "$tmp"
fi

# --- The course's kernel modules ------------------------------------------------------------
MODBUILD=$OUT/modules-build
# Every modules/<name>.c is a module (Kbuild lists the same names).
mapfile -t MODULES < <(cd "$VM_SRC/modules" && ls *.c | sed 's/\.c$//')
mkdir -p "$MODBUILD"
cp -p "$VM_SRC"/modules/*.c "$VM_SRC"/modules/Kbuild "$MODBUILD"/
make -s -C "$HEADERS" M="$MODBUILD" modules 2>&1 | grep -v 'Skipping BTF generation' || true
MODULE_KOS=("${MODULES[@]/#/$MODBUILD/}")
MODULE_KOS=("${MODULE_KOS[@]/%/.ko}")
for m in "${MODULES[@]}"; do [[ -f $MODBUILD/$m.ko ]] || die "module $m.ko did not build (see above; is it in Kbuild?)"; done

# --- Static user-space programs ---------------------------------------------------------------
BIN=$OUT/bin
mkdir -p "$BIN"
build_prog() { # build_prog OUTPUT SOURCE...
	local out=$1; shift
	local src
	for src in "$@"; do
		if [[ ! -f $out || $src -nt $out ]]; then
			gcc -static -O2 -Wall -o "$out" "$@" || die "gcc failed for $*"
			return
		fi
	done
}
for src in "$VM_SRC"/examples/*.c; do
	build_prog "$BIN/$(basename "$src" .c)" "$src"
done
build_prog "$BIN/modctl" "$VM_SRC/image/modctl.c"
build_prog "$BIN/nlcap" "$VM_SRC/image/nlcap.c"
AGENT=no
if [[ -f $AGENT_DIR/agent.c ]]; then
	mapfile -t agent_src < <(ls "$AGENT_DIR"/*.c)
	build_prog "$BIN/netlink-lab-agent" "${agent_src[@]}"
	AGENT=yes
else
	rm -f "$BIN/netlink-lab-agent"
	log "warning: $AGENT_DIR/agent.c does not exist yet: the image has no agent (vm run will not work)"
fi

# --- initramfs ----------------------------------------------------------------------------------
STAGE=$OUT/initramfs-root
INITRAMFS=$OUT/initramfs.cpio
stamp_inputs() {
	{
		echo "$KVER"
		sha256sum "$VM_SRC/image/init" "$VM_SRC/image/profile" "$VM_SRC/image/build.sh" /bin/busybox \
			"${MODULE_KOS[@]}" "$BIN"/* "$VM_SRC"/examples/*.c "$VM_SRC"/modules/*.c "$KDIR"/extra/*.ko
	} | sha256sum | cut -d' ' -f1
}
STAMP=$(stamp_inputs)
if [[ -f $INITRAMFS && -f $OUT/.initramfs-stamp && $(cat "$OUT/.initramfs-stamp") == "$STAMP" && -f $OUT/manifest.json ]]; then
	log "up to date ($KVER, agent: $AGENT)"
	exit 0
fi

log "packing the initramfs"
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,dev,proc,sys,tmp,root/src,etc,lib/modules/virtio,lib/modules/net,lib/modules/netlink-lab,lib/modules/extra}
cp /bin/busybox "$STAGE/bin/busybox"
for applet in $("$STAGE/bin/busybox" --list); do
	[[ -e $STAGE/bin/$applet ]] || ln -s busybox "$STAGE/bin/$applet"
done
install -m 0755 "$VM_SRC/image/init" "$STAGE/init"
cp "$VM_SRC/image/profile" "$STAGE/etc/profile"
echo netlink-lab >"$STAGE/etc/hostname"
echo 'root:x:0:0:root:/root:/bin/sh' >"$STAGE/etc/passwd"
echo 'root:x:0:' >"$STAGE/etc/group"
cp "$KDIR"/virtio/*.ko "$STAGE/lib/modules/virtio/"
cp "$KDIR"/net/*.ko "$STAGE/lib/modules/net/"
cp "$KDIR"/extra/*.ko "$STAGE/lib/modules/extra/"
for m in "${MODULES[@]}"; do
	cp "$MODBUILD/$m.ko" "$STAGE/lib/modules/netlink-lab/"
	ln -s "netlink-lab/$m.ko" "$STAGE/lib/modules/$m.ko"
done
cp "$BIN"/* "$STAGE/bin/"
cp "$VM_SRC"/examples/*.c "$VM_SRC"/modules/*.c "$STAGE/root/src/"
# Uncompressed: the kernel would gunzip it under TCG at every boot.
(cd "$STAGE" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) >"$INITRAMFS.tmp"
mv "$INITRAMFS.tmp" "$INITRAMFS"
ln -sf "kernel/$KVER/vmlinux" "$OUT/vmlinux"

cat >"$OUT/manifest.json" <<JSON
{
  "kernelRelease": "$KVER",
  "kernel": "kernel/$KVER/vmlinux",
  "initramfs": "initramfs.cpio",
  "agent": $([[ $AGENT == yes ]] && echo true || echo false),
  "modules": [$(for m in "${MODULES[@]}"; do printf '"%s",' "$m"; done | sed 's/,$//')],
  "programs": [$(for p in "$VM_SRC"/examples/*.c; do printf '"%s",' "$(basename "$p" .c)"; done | sed 's/,$//')],
  "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
echo "$STAMP" >"$OUT/.initramfs-stamp"
log "built $INITRAMFS ($(du -h "$INITRAMFS" | cut -f1)) for kernel $KVER (agent: $AGENT)"
