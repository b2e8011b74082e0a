/**
 * One agent port of a VM reached through the relay: the protocol's one client
 * (src/agent/client.ts) over one port of an AgentLink.
 */
import { AgentClient, type AgentTransport } from '../../agent/client.ts';
import type { AgentLink } from './agent-link.ts';

/** Port `port` of a link as an agent transport. */
export function linkTransport(link: AgentLink, port: number): AgentTransport {
  return {
    send: (bytes) => link.send(port, bytes),
    onData: (listener) =>
      link.onData((p, bytes) => {
        if (p === port) listener(bytes);
      }),
    closed: link.closed,
  };
}

/** Attach to port `port` of the link and wait for its agent's HELLO; tags start at `firstTag`. */
export function startAgentPort(
  link: AgentLink,
  port: number,
  firstTag: number,
  timeoutMs = 10_000,
): Promise<AgentClient> {
  return AgentClient.start(linkTransport(link, port), {
    firstTag,
    timeoutMs,
    noAnswer: (ms) =>
      new Error(
        `The agent on VM port ${port} did not answer within ${ms} ms. Is the VM image built with the agent (npm run vm:build)? Start a new VM from the Terminal panel.`,
      ),
  });
}

/** Attach to port `port` where a forked child is starting and wait for its unasked HELLO. */
export function adoptAgentPort(
  link: AgentLink,
  port: number,
  firstTag: number,
  timeoutMs = 10_000,
): Promise<AgentClient> {
  return AgentClient.adopt(linkTransport(link, port), {
    firstTag,
    timeoutMs,
    noAnswer: (ms) => new Error(`The forked child on VM port ${port} did not announce itself within ${ms} ms.`),
  });
}
