#!/usr/bin/env bash
# Build the in-browser kernel's image from Debian packages and npm, into build/v86/ (never
# committed), then boot it once under Node and save its state (sandboxes/v86/save-state.ts):
#
#   build/v86/kernel/<release>/   Debian's i386 686 kernel and its headers (dpkg -x, nothing installed)
#   build/v86/initramfs.cpio      busybox (i386), /init, the course's modules built for the 686
#                                 kernel, the C examples, modctl and the real-kernel agent (gcc -m32)
#   public/v86/                   what the site serves and Node loads: v86.wasm.gz, libv86.mjs.gz,
#                                 state.bin.zst (the booted machine) and manifest.json
#
# Run as `npm run v86:build`. Idempotent: when nothing changed it only checks and exits.
# Environment: NETLINK_LAB_V86_DIR (build dir), NETLINK_LAB_V86_KERNEL (e.g. 6.1.0-57-686),
# NETLINK_LAB_V86_MEMORY_MB (guest RAM; default: the least that holds the initramfs, see below).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SRC=$ROOT/sandboxes/v86
VM_SRC=$ROOT/sandboxes/vm
OUT=${NETLINK_LAB_V86_DIR:-$ROOT/build/v86}
PUB=$ROOT/public/v86
AGENT_DIR=$ROOT/sandboxes/real/agent

log() { echo "v86:build: $*"; }
die() { echo "v86:build: error: $*" >&2; exit 1; }

mkdir -p "$OUT"
exec 9>"$OUT/.build.lock"
flock 9

# --- Debian packages on the host (scripts/system-deps.mjs, group v86) ---------------------------
node "$ROOT/scripts/system-deps.mjs" v86 || die "the Debian packages of group v86 are missing (see above)"
[[ -f /usr/share/seabios/bios.bin && -f /usr/share/seabios/vgabios-stdvga.bin ]] || die "no SeaBIOS in /usr/share/seabios (apt-get install seabios)"
[[ -f $ROOT/node_modules/v86/build/v86.wasm ]] || die "node_modules/v86 is missing: run npm ci"

# --- Which kernel: the one Debian's linux-image-686 (i386) points at ---------------------------
resolve_kernel() {
	apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-686\)\(:i386\)\?$/\1/p' | head -1
}
KVER=${NETLINK_LAB_V86_KERNEL:-$(resolve_kernel)}
if [[ -z $KVER && $(id -u) -eq 0 ]]; then
	log "apt has no i386 package lists: running apt-get update"
	flock /tmp/apt.lock apt-get update -qq
	KVER=$(resolve_kernel)
fi
[[ -n $KVER ]] || die "cannot resolve the kernel package: 'apt-cache depends linux-image-686:i386' names none (as root: dpkg --add-architecture i386 && apt-get update; or set NETLINK_LAB_V86_KERNEL=6.1.0-NN-686)"
KABI=${KVER%-686}
KSERIES=$(echo "$KVER" | cut -d. -f1,2)
KDIR=$OUT/kernel/$KVER
KROOT=$KDIR/root
HEADERS=$KROOT/usr/src/linux-headers-$KVER

# --- Kernel, headers, busybox (i386): apt-get download + dpkg -x -------------------------------
if [[ ! -f $KDIR/.done ]]; then
	log "fetching Debian's i386 kernel $KVER and busybox-static:i386"
	rm -rf "$KDIR"
	mkdir -p "$KDIR/debs"
	# linux-kbuild is the host's (amd64): its fixdep/modpost run here.
	(cd "$KDIR/debs" && apt-get download -q "linux-image-$KVER:i386" "linux-headers-$KVER:i386" \
		"linux-headers-$KABI-common" "linux-kbuild-$KSERIES" "busybox-static:i386" 2>&1 |
		grep -v 'Download is performed unsandboxed' || true)
	for deb in "$KDIR"/debs/*.deb; do dpkg -x "$deb" "$KROOT"; done
	[[ -f $KROOT/boot/vmlinuz-$KVER && -d $HEADERS && -x $KROOT/bin/busybox ]] ||
		die "the downloaded packages lack vmlinuz-$KVER, linux-headers-$KVER or busybox (see $KDIR/debs)"
	sed -i "s|^include /usr/src/|include $KROOT/usr/src/|" "$HEADERS/Makefile"
	cp "$KROOT/boot/vmlinuz-$KVER" "$KDIR/bzImage"
	cp "$KROOT/bin/busybox" "$KDIR/busybox"
	rm -rf "$KDIR/debs" "$KROOT/lib/modules" "$KROOT/boot"
	touch "$KDIR/.done"
fi

# --- The course's modules, for the 686 kernel ----------------------------------------------------
MODBUILD=$OUT/modules-build
mapfile -t MODULES < <(cd "$VM_SRC/modules" && ls *.c | sed 's/\.c$//')
mkdir -p "$MODBUILD"
cp -p "$VM_SRC"/modules/*.c "$VM_SRC"/modules/Kbuild "$MODBUILD"/
make -s -C "$HEADERS" M="$MODBUILD" ARCH=x86 modules 2>&1 | grep -v 'Skipping BTF generation' || true
for m in "${MODULES[@]}"; do [[ -f $MODBUILD/$m.ko ]] || die "module $m.ko did not build (see above; is it in Kbuild?)"; done

# --- Static i386 programs -------------------------------------------------------------------------
BIN=$OUT/bin
mkdir -p "$BIN"
build_prog() { # build_prog OUTPUT SOURCE...
	local out=$1; shift
	local src
	for src in "$@" "$SRC/image/build.sh"; do
		if [[ ! -f $out || $src -nt $out ]]; then
			gcc -m32 -static -Os -s -Wall -Werror -o "$out" "$@" || die "gcc -m32 failed for $* (is gcc-multilib installed?)"
			return
		fi
	done
}
for src in "$VM_SRC"/examples/*.c; do build_prog "$BIN/$(basename "$src" .c)" "$src"; done
build_prog "$BIN/modctl" "$VM_SRC/image/modctl.c"
build_prog "$BIN/uart" "$SRC/image/uart.c"
mapfile -t agent_src < <(ls "$AGENT_DIR"/*.c)
build_prog "$BIN/netlink-lab-agent" "${agent_src[@]}"

# --- initramfs ------------------------------------------------------------------------------------
STAGE=$OUT/initramfs-root
INITRAMFS=$OUT/initramfs.cpio
stamp_inputs() {
	{
		echo "$KVER ${NETLINK_LAB_V86_MEMORY_MB:-auto}"
		sha256sum "$SRC/image/init" "$SRC/image/profile" "$SRC/image/build.sh" "$SRC/save-state.ts" "$SRC/machine.ts" "$SRC/node.ts" \
			"$KDIR/busybox" "$KDIR/bzImage" "$MODBUILD"/*.ko "$BIN"/* "$ROOT/node_modules/v86/build/v86.wasm" \
			/usr/share/seabios/bios.bin /usr/share/seabios/vgabios-stdvga.bin
	} | sha256sum | cut -d' ' -f1
}
STAMP=$(stamp_inputs)
if [[ -f $PUB/state.bin.zst && -f $PUB/v86.wasm.gz && -f $PUB/manifest.json && -f $OUT/.stamp && $(cat "$OUT/.stamp") == "$STAMP" ]]; then
	log "up to date ($KVER, $(sed -n 's/.*"memoryMB": \([0-9]*\).*/\1/p' "$PUB/manifest.json") MB)"
	exit 0
fi

log "packing the initramfs"
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,dev,proc,sys,tmp,root,etc,lib/modules/netlink-lab}
cp "$KDIR/busybox" "$STAGE/bin/busybox"
# The host's busybox-static (group vm) is the same Debian version: the same applets.
for applet in $(busybox --list); do
	[[ -e $STAGE/bin/$applet ]] || ln -s busybox "$STAGE/bin/$applet"
done
install -m 0755 "$SRC/image/init" "$STAGE/init"
cp "$SRC/image/profile" "$STAGE/etc/profile"
echo netlink-lab >"$STAGE/etc/hostname"
echo 'root:x:0:0:root:/root:/bin/sh' >"$STAGE/etc/passwd"
echo 'root:x:0:' >"$STAGE/etc/group"
for m in "${MODULES[@]}"; do
	# Debug info is most of a .ko; it would sit in the guest's RAM, which is the download.
	strip --strip-debug -o "$STAGE/lib/modules/netlink-lab/$m.ko" "$MODBUILD/$m.ko"
	ln -s "netlink-lab/$m.ko" "$STAGE/lib/modules/$m.ko"
done
cp "$BIN"/* "$STAGE/bin/"
(cd "$STAGE" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9 >"$INITRAMFS.tmp"
mv "$INITRAMFS.tmp" "$INITRAMFS"
# v86 puts the initramfs at 64 MiB: the guest needs 64 MiB + its size. Once unpacked, the kernel
# frees (and, with init_on_free, zeroes) it, so that RAM costs nothing in the compressed state.
MEMORY_MB=${NETLINK_LAB_V86_MEMORY_MB:-$((64 + ($(stat -c %s "$INITRAMFS") + 1048575) / 1048576 + 1))}

# --- Boot once, save the state --------------------------------------------------------------------
log "booting under v86 to save the state (${MEMORY_MB} MB of guest RAM)"
mkdir -p "$PUB"
# v86's code gzipped: the page decompresses it (DecompressionStream), so it is small on any host.
# No BIOS: the booted machine's state holds it (sandboxes/v86/machine.ts).
rm -f "$PUB"/{v86.wasm,libv86.mjs,seabios.bin,vgabios.bin}
for f in v86.wasm libv86.mjs; do gzip -9 -n -c "$ROOT/node_modules/v86/build/$f" >"$PUB/$f.gz"; done
node --import tsx "$SRC/save-state.ts" --bzimage "$KDIR/bzImage" --initrd "$INITRAMFS" \
	--bios /usr/share/seabios/bios.bin --vga-bios /usr/share/seabios/vgabios-stdvga.bin \
	--memory "$MEMORY_MB" --out "$OUT/state.bin" --kernel-release "$KVER" \
	--modules "$(IFS=,; echo "${MODULES[*]}")" --programs "$(cd "$VM_SRC/examples" && ls *.c | sed 's/\.c$//' | paste -sd,)"
# --long=27: a 128 MiB window finds the static programs' shared glibc code across the whole
# state; 2^27 is what zstd decoders (v86's included) accept by default.
zstd -q -f -19 --long=27 -T0 "$OUT/state.bin" -o "$PUB/state.bin.zst.tmp"
mv "$PUB/state.bin.zst.tmp" "$PUB/state.bin.zst"
mv "$OUT/manifest.json" "$PUB/manifest.json"
echo "$STAMP" >"$OUT/.stamp"
sizes() { for f in v86.wasm.gz libv86.mjs.gz state.bin.zst; do printf '%s %s\n' "$f" "$(stat -c %s "$PUB/$f")"; done; }
log "built $PUB: $(sizes | awk '{printf "%s %.2f MB, ", $1, $2/1e6; t+=$2} END {printf "total %.2f MB", t/1e6}')"
