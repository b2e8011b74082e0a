/**
 * An agent in the VM, reached through one virtio-serial port (see qemu.ts's `agents`): the
 * protocol's one client (src/agent/client.ts) over the port's Node stream.
 */
import type { Duplex } from 'node:stream';
import { AgentClient, type AgentTransport } from '../../src/agent/client.ts';

/** A virtio-serial port's stream as an agent transport. */
export function portTransport(port: Duplex): AgentTransport {
  return {
    send: (bytes) => {
      port.write(bytes);
    },
    onData(listener) {
      const onData = (c: Buffer) => listener(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
      port.on('data', onData);
      // A port paused earlier (agentsListening pauses each port after taking a boot snapshot) stays
      // paused when a 'data' listener is added: without this, the first user of a port hears nothing.
      port.resume();
      return () => {
        port.off('data', onData);
      };
    },
  };
}

/**
 * Attach to a port and wait for its agent's HELLO. `kill` kills a guest pid (the agent may be
 * blocked in a syscall, where no request reaches it). Tags start at `firstTag`.
 */
export function startPortAgent(
  port: Duplex,
  kill: (pid: number) => Promise<void>,
  firstTag: number,
  timeoutMs = 10_000,
): Promise<AgentClient> {
  return AgentClient.start(portTransport(port), {
    firstTag,
    timeoutMs,
    kill,
    noAnswer: (ms) =>
      new Error(
        `no agent answered on the VM port within ${ms} ms (is the agent in the image? rebuild with \`npm run vm:build\`)`,
      ),
  });
}
