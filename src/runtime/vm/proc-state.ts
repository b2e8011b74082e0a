/**
 * A real kernel's state as its /proc files show it, in the shape the Kernel state panel reads
 * (kernel-view.ts): the sockets of /proc/net/netlink and the modules of /proc/modules. What /proc
 * does not tell (receive queues, buffer sizes, which process owns a socket, families, the kernel
 * log) is left out and said so (`source: 'proc'`), never made up.
 */
import type { KernelState, ProcessState, SocketState } from '../kernel-view.ts';

/**
 * The lines of /proc/net/netlink (net/netlink/af_netlink.c:netlink_native_seq_show):
 * sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode. Pid is the port id printed unsigned, Groups
 * the first 32 groups as hex; a port id of 0 is the protocol's kernel socket.
 */
export function parseProcNetNetlink(text: string): SocketState[] {
  const out: SocketState[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // The sk column is a hashed pointer, or "(____ptrval____)" where kptr_restrict hides it.
    if (f.length < 10 || !/^\d+$/.test(f[1]!)) continue;
    const [, eth, pid, groups, rmem, wmem, dump, , drops] = f;
    const portid = Number(pid) | 0;
    out.push({
      protocol: Number(eth),
      portid,
      pid: -1,
      groups: parseInt(groups!, 16) >>> 0,
      rmem: Number(rmem),
      wmem: Number(wmem),
      drops: Number(drops),
      dump: Number(dump) !== 0,
      connected: null,
      kernel: portid === 0,
    });
  }
  return out;
}

/** The modules of /proc/modules ("name size refs deps state address"). */
export function parseProcModules(text: string): { name: string; refs: number }[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && f[0])
    .map((f) => ({ name: f[0]!, refs: Number(f[2]) || 0 }));
}

/** The state the panel shows for a VM run: sockets and modules from /proc, processes from the runner. */
export function procState(time: number, netlink: string, modules: string, processes: ProcessState[]): KernelState {
  return {
    time,
    sockets: parseProcNetNetlink(netlink),
    processes,
    protocols: [],
    families: [],
    dmesg: [],
    source: 'proc',
    modules: parseProcModules(modules),
  };
}
