/**
 * The VM's kernel as the playground's run session wants it (src/runtime/session.ts): a
 * RelayKernel with no kernel trace and no kernel events — a real kernel does not expose its
 * insides to the page — and a state made of what its /proc shows, read after each syscall
 * (proc-state.ts); the Messages panel and the comparison see every syscall.
 */
import type { SessionKernel } from '../session.ts';
import type { AgentLink } from './agent-link.ts';
import { RelayKernel } from './relay-kernel.ts';

/** A session kernel on the VM behind `link`. */
export function vmSessionKernel(link: AgentLink): SessionKernel {
  const k = new RelayKernel(link, { watchState: true }) as RelayKernel & SessionKernel;
  k.trace = { enable() {}, clear() {}, available: false };
  k.state = () => k.procState();
  k.onEvent = () => undefined;
  return k;
}
