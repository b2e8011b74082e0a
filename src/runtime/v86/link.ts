/**
 * The in-browser kernel's agent ports as an AgentLink (src/runtime/vm/agent-link.ts), so the VM's
 * RelayKernel — the agent protocol's browser side — runs a program on it unchanged: port 1 is
 * the machine's ttyS1 with its agent, ports 2 and 3 (ttyS2, ttyS3) are where forked children
 * serve; module loads run the image's `modctl` on the shell (ttyS0), as the relay does on the
 * VM's console.
 */
import type { Machine } from '../../../sandboxes/v86/machine.ts';
import { AGENT_PORTS, FORK_PORTS } from '../../../sandboxes/v86/machine.ts';
import type { AgentLink } from '../vm/agent-link.ts';
import { MODULE_NAME, MODULE_PARAM } from '../../agent/relay-frames.ts';

/** A link to `machine`'s agents; `closed` resolves when `stopped` does (the machine was stopped). */
export function machineLink(machine: Machine, stopped: Promise<string>): AgentLink {
  return {
    ports: [...AGENT_PORTS],
    forkPorts: FORK_PORTS.map((f) => ({ ...f })),
    send: (port, bytes) => machine.send(port, bytes),
    onData: (l) => machine.onData(l),
    closed: stopped,
    async module(op, name, params) {
      // The same checks as the relay's: these words are typed into a shell.
      if (!MODULE_NAME.test(name) || !params.every((p) => MODULE_PARAM.test(p))) return -22; // EINVAL
      const cmd = op === 'load' ? `modctl load /lib/modules/${name}.ko ${params.join(' ')}` : `modctl unload ${name}`;
      const r = await machine.exec(`${cmd} 2>/dev/null`, { timeoutMs: 30_000 });
      const ret = Number.parseInt(r.output.trim().split('\n').at(-1) ?? '', 10);
      if (!Number.isInteger(ret))
        throw new Error(`${op} ${name} on the in-browser kernel: unexpected answer ${JSON.stringify(r.output)}`);
      return ret;
    },
  };
}
