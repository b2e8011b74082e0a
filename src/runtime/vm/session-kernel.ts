/**
 * The VM's kernel as the playground's run session wants it (src/runtime/session.ts): a
 * RelayKernel with no kernel trace, no kernel events and no state snapshot — a real kernel does
 * not expose its insides to the page; the Messages panel and the comparison still see every syscall.
 */
import type { SessionKernel } from '../session.ts';
import type { AgentLink } from './agent-link.ts';
import { RelayKernel } from './relay-kernel.ts';

/** A session kernel on the VM behind `link`. */
export function vmSessionKernel(link: AgentLink): SessionKernel {
  const k = new RelayKernel(link) as RelayKernel & SessionKernel;
  k.trace = { enable() {}, clear() {} };
  k.state = () => { throw new Error('the VM kernel has no state view'); };
  k.onEvent = () => undefined;
  return k;
}
