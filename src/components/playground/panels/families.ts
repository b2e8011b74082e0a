/**
 * The generic netlink families the Messages panel can name: those the kernel state lists, and those
 * seen in nlctrl's NEWFAMILY replies during the run (so names appear on any kernel); the course's
 * own families also get their command and attribute names from their YNL specs (content/specs/).
 */
import { NETLINK_GENERIC } from '../../../api/uapi.ts';
import { genlFamilySpec, resolveFamilies, type GenlFamilySpec } from '../../../lib/decode/index.ts';
import type { SyscallRecord } from '../../../runtime/messages.ts';

/** Families by id from the kernel's state (entries with a numeric id and a name). */
export function familiesFromState(families: unknown[] | undefined): GenlFamilySpec[] {
  const out: GenlFamilySpec[] = [];
  for (const f of families ?? []) {
    const o = f as { id?: unknown; name?: unknown; hdrsize?: unknown };
    if (typeof o.id === 'number' && typeof o.name === 'string') {
      out.push(genlFamilySpec(o.id, o.name, typeof o.hdrsize === 'number' && o.hdrsize > 0 ? o.hdrsize : undefined));
    }
  }
  return out;
}

/**
 * Families announced by nlctrl replies among the received messages (CTRL_CMD_NEWFAMILY for ids and
 * names, CTRL_CMD_GETPOLICY for attribute types: the view of a family without a spec, and a
 * cross-check of one with a spec).
 */
export function familiesFromReplies(events: readonly SyscallRecord[]): GenlFamilySpec[] {
  return resolveFamilies(
    events
      .filter((e) => e.dir === 'in' && e.data && e.protocol === NETLINK_GENERIC)
      .map((e) => ({ data: e.data!, protocol: e.protocol })),
  );
}
