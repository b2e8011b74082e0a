/**
 * A playground run on the in-browser kernel, as the page makes it: the machine's agent ports
 * bridged over a MessagePort (src/runtime/vm/agent-link-port.ts) to the run session's kernel
 * (src/runtime/vm/session-kernel.ts), which reads the guest's /proc/net/netlink and /proc/modules
 * after each syscall for the Kernel state panel. The batches must carry that state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../../sandboxes/v86/machine.ts';
import { startSavedMachine } from '../../sandboxes/v86/node.ts';
import * as kernelApi from '../../src/api/kernel.ts';
import * as user from '../../src/api/user.ts';
import type { Batch } from '../../src/runtime/messages.ts';
import { runSession } from '../../src/runtime/session.ts';
import { machineLink } from '../../src/runtime/v86/link.ts';
import { bridgeToPort, linkFromPort } from '../../src/runtime/vm/agent-link-port.ts';
import { vmSessionKernel } from '../../src/runtime/vm/session-kernel.ts';

let m: Machine;
beforeAll(async () => {
  m = await startSavedMachine();
});
afterAll(async () => {
  await m?.stop();
});

const PROGRAM = `
import { socket, bind, close, insmod, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';
import { nl_test } from './nl_test.ts';
await insmod(nl_test);
const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 4242, nl_groups: 0 });
console.log('bound');
await close(fd);
`;
/** The module names of a proc state (src/runtime/vm/proc-state.ts: { name, refs }). */
const names = (modules: unknown[]) => (modules as { name: string }[]).map((m) => m.name);

const MODULE = `export const nl_test = { name: 'nl_test', init() { return 0; }, exit() {} };`;

describe('a playground run on the in-browser kernel', () => {
  it("sends the guest's /proc/net/netlink and /proc/modules as the kernel state", async () => {
    const bridge = bridgeToPort(machineLink(m, new Promise(() => {})));
    const link = machineLink(m, new Promise(() => {}));
    const kernel = vmSessionKernel(linkFromPort(bridge.port, link.ports, link.forkPorts));
    const batches: Batch[] = [];
    try {
      const exit = await runSession(kernel, {
        runId: 1,
        files: { 'main.ts': PROGRAM, 'nl_test.ts': MODULE },
        entry: 'main.ts',
        libs: { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi },
        post: (msg) => {
          if (msg.type === 'batch') batches.push(structuredClone(msg));
        },
      });
      expect(exit.status, JSON.stringify(exit.error)).toBe('ok');
    } finally {
      bridge.end();
    }
    expect(batches.flatMap((b) => b.output.map((l) => l.text))).toContain('bound');
    // After the bind: the program's socket (NETLINK_USERSOCK = 2, port 4242) among the kernel's.
    const snapshots = batches.flatMap((b) => b.snapshots ?? []);
    const bound = snapshots.find((s) => s.after.startsWith('bind'));
    expect(bound, snapshots.map((s) => s.after).join(', ')).toBeDefined();
    expect(bound!.state.source).toBe('proc');
    expect(bound!.state.sockets).toContainEqual(expect.objectContaining({ protocol: 2, portid: 4242, kernel: false }));
    expect(bound!.state.sockets.some((s) => s.kernel)).toBe(true);
    expect(names(bound!.state.modules)).toContain('nl_test');
    // The last batch's state: the socket closed, the module still loaded.
    const last = batches.filter((b) => b.state).at(-1)!.state!;
    expect(last.sockets.some((s) => s.portid === 4242)).toBe(false);
    expect(names(last.modules)).toContain('nl_test');
  });
});
