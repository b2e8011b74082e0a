/**
 * Who may do what: root loads nllab_counter and listens to nlctrl's announcements; a process
 * running as uid 65534 (nobody) reads, adds, tries to reset and tries to join both groups; root
 * resets; then the module is unloaded and the announcements are printed.
 */
import {
  insmod, rmmod, spawn, waitpid, getuid, getsockname, setsockopt, errnoName, genl_socket, genl_ctrl_resolve, genl_request,
  genl_recv, parseGenlmsg, nla_u32, nla_get_u32, nla_get_string, attrMap, parseAttrs, ErrnoError,
  SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, MSG_DONTWAIT, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID, type GenlMsg,
} from 'netlink-lab/user';
import nllab_counter, {
  NLLAB_COUNTER_C_GET, NLLAB_COUNTER_C_ADD, NLLAB_COUNTER_C_RESET, NLLAB_COUNTER_A_VALUE, NLLAB_COUNTER_A_DELTA,
} from './module.ts';

const CTRL_CMDS: Record<number, string> = { 1: 'NEWFAMILY', 2: 'DELFAMILY', 7: 'NEWMCAST_GRP', 8: 'DELMCAST_GRP' };

/** Run one step and print its outcome as "uid N: what → result". */
async function attempt(what: string, step: () => Promise<string | void>): Promise<void> {
  try {
    const r = await step();
    console.log(`uid ${getuid()}: ${what} → ${r ?? 'ok'}`);
  } catch (e) {
    console.log(`uid ${getuid()}: ${what} → ${e instanceof ErrnoError ? errnoName(e.errno) : String(e)}`);
  }
}

/** An nlctrl announcement as one line: what happened, to which family, which group. */
function describe(g: GenlMsg): string {
  const fam = g.attr.get(CTRL_ATTR_FAMILY_NAME);
  const id = g.attr.get(CTRL_ATTR_FAMILY_ID);
  let line = `nlctrl: ${CTRL_CMDS[g.cmd] ?? `cmd ${g.cmd}`} ${fam ? nla_get_string(fam) : '?'} (id ${id ? id.payload[0]! | (id.payload[1]! << 8) : '?'})`;
  const grps = g.attr.get(CTRL_ATTR_MCAST_GROUPS);
  if (grps && g.cmd !== 1) for (const grp of parseAttrs(grps.payload)) {
    const a = attrMap(grp.payload);
    line += ` group ${nla_get_string(a.get(CTRL_ATTR_MCAST_GRP_NAME)!)} (id ${nla_get_u32(a.get(CTRL_ATTR_MCAST_GRP_ID)!)})`;
  }
  return line;
}

const fd = await genl_socket();
const nlctrl = await genl_ctrl_resolve(fd, 'nlctrl');
const events = await genl_socket();

// Hear nlctrl's announcements — families and groups coming and going — from before the module loads.
await setsockopt(events, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, nlctrl.groups.get('notify')!);
await insmod(nllab_counter);

const family = await genl_ctrl_resolve(fd, 'NLLAB_COUNTER');
const audit = await genl_socket();
await attempt('join audit', () => setsockopt(audit, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, family.groups.get('audit')!).then(() => {}));

let childPort = -1;
const rootPort = (await getsockname(fd)).nl_pid;
const child = await spawn(async () => {
  const me = await genl_socket();
  childPort = (await getsockname(me)).nl_pid;
  await attempt('GET', async () => {
    const [r] = await genl_request(me, { family: family.id, cmd: NLLAB_COUNTER_C_GET });
    return `value ${nla_get_u32(parseGenlmsg(r!).attr.get(NLLAB_COUNTER_A_VALUE)!)}`;
  });
  await attempt('ADD 5', () => genl_request(me, { family: family.id, cmd: NLLAB_COUNTER_C_ADD, attrs: [nla_u32(NLLAB_COUNTER_A_DELTA, 5)] }).then(() => {}));
  await attempt('RESET', () => genl_request(me, { family: family.id, cmd: NLLAB_COUNTER_C_RESET }).then(() => {}));
  const listener = await genl_socket();
  await attempt('join changes', () => setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, family.groups.get('changes')!).then(() => {}));
  await attempt('join audit', () => setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, family.groups.get('audit')!).then(() => {}));
}, { uid: 65534 });
await waitpid(child);

await attempt('RESET', () => genl_request(fd, { family: family.id, cmd: NLLAB_COUNTER_C_RESET }).then(() => {}));
for (;;) {
  try {
    const r = await genl_recv(audit, { flags: MSG_DONTWAIT });
    for (const g of r.msgs) {
      const by = g.nlmsg.nlmsg_pid;
      const who = by === childPort ? 'the uid 65534 process' : by === rootPort ? 'root' : `port ${by}`;
      console.log(`audit: cmd ${g.cmd}, value ${nla_get_u32(g.attr.get(NLLAB_COUNTER_A_VALUE)!)}, changed by ${who}`);
    }
  } catch { break; }
}

await rmmod('nllab_counter');
for (;;) {
  try {
    const r = await genl_recv(events, { flags: MSG_DONTWAIT });
    for (const g of r.msgs) console.log(describe(g));
  } catch { break; }
}
