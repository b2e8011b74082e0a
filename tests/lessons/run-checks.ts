/**
 * A lesson's checks run on what a program did on a real kernel (this machine's, or the VM's): no
 * kernel trace, as the playground gives them there (CheckInput.trace undefined). The events get
 * the protocol of their descriptor, as the playground's session records it.
 */
import * as user from '../../src/api/user.ts';
import * as kernelApi from '../../src/api/kernel.ts';
import { compile, loadModule } from '../../src/runtime/program.ts';
import type { SyscallEvent } from '../../src/api/observe.ts';
import type { CheckResult } from '../../lessons/check-api.ts';

export async function runChecksWithoutTrace(
  checks: string,
  events: SyscallEvent[],
  output: string[],
): Promise<CheckResult[]> {
  const protocols = new Map<string, number>();
  const recs = events.map((e) => {
    if (e.syscall === 'socket' && e.ret !== undefined && e.socket)
      protocols.set(`${e.pid}:${e.ret}`, e.socket.protocol);
    const p = e.fd !== undefined ? protocols.get(`${e.pid}:${e.fd}`) : undefined;
    if (e.syscall === 'close' && e.fd !== undefined) protocols.delete(`${e.pid}:${e.fd}`);
    return p === undefined ? { ...e } : { ...e, protocol: p };
  });
  const quiet = { log() {}, info() {}, warn() {}, error() {} };
  const mod = loadModule(
    compile({ 'checks.ts': checks }),
    'checks.ts',
    { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi },
    quiet,
  );
  return (mod.default as (i: unknown) => CheckResult[])({ output: output.join('\n'), events: recs });
}
