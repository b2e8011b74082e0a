/**
 * The generic netlink families the Messages panel can name: those the kernel state lists, and those
 * seen in nlctrl's NEWFAMILY replies during the run (so names appear on any kernel); the course's
 * own families also get their command and attribute names (COURSE_FAMILIES).
 */
import { parseNlmsgs, attrMap, cstring, u16 } from '../../../api/nlmsg.ts';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_NEWFAMILY, GENL_ID_CTRL, NETLINK_GENERIC } from '../../../api/uapi.ts';
import { genlFamilySpec, type GenlFamilySpec } from '../../../lib/decode/index.ts';
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

/** Families announced by nlctrl replies among the received messages. */
export function familiesFromReplies(events: readonly SyscallRecord[]): GenlFamilySpec[] {
  const out = new Map<number, GenlFamilySpec>();
  for (const e of events) {
    if (e.dir !== 'in' || !e.data || e.protocol !== NETLINK_GENERIC) continue;
    for (const m of parseNlmsgs(e.data)) {
      if (m.nlmsg_type !== GENL_ID_CTRL || m.payload[0] !== CTRL_CMD_NEWFAMILY) continue;
      const attrs = attrMap(m.payload.subarray(4));
      const id = attrs.get(CTRL_ATTR_FAMILY_ID);
      const name = attrs.get(CTRL_ATTR_FAMILY_NAME);
      if (id && name && id.payload.length >= 2) out.set(u16(id.payload, 0), genlFamilySpec(u16(id.payload, 0), cstring(name.payload)));
    }
  }
  return [...out.values()];
}
