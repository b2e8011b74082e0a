/**
 * Lesson "Permissions and nlctrl's announcements": the unprivileged process may read and add but
 * is refused RESET (EPERM) and the audit group (EPERM), root may do both, and the program heard
 * nlctrl announce NLLAB_COUNTER's family and groups arriving and leaving.
 */
import {
  parseNlmsgs,
  parseNlmsgerr,
  parseGenlmsg,
  nla_get_string,
  errnoName,
  GENL_ID_CTRL,
  NLMSG_ERROR,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const EPERM = 1;
const C_GET = 1;
const C_RESET = 3;
const CTRL_CMD_NEWFAMILY = 1;
const CTRL_CMD_DELFAMILY = 2;
const CTRL_CMD_NEWMCAST_GRP = 7;
const CTRL_CMD_DELMCAST_GRP = 8;

/** The answer (errno or 0) each process got to each command it sent to NLLAB_COUNTER. */
function answers(events: CheckInput['events']): { pid: number; cmd: number; error: number }[] {
  const out: { pid: number; cmd: number; error: number }[] = [];
  const pending = new Map<string, { pid: number; cmd: number }>();
  for (const e of events) {
    if (!e.data) continue;
    for (const m of parseNlmsgs(e.data)) {
      if (e.dir === 'out' && m.nlmsg_type > GENL_ID_CTRL)
        pending.set(`${e.pid}/${m.nlmsg_seq}`, { pid: e.pid, cmd: m.payload[0]! });
      if (e.dir === 'in' && m.nlmsg_type === NLMSG_ERROR) {
        const p = pending.get(`${e.pid}/${m.nlmsg_seq}`);
        const err = parseNlmsgerr(m);
        if (p && err) out.push({ ...p, error: err.error });
      }
    }
  }
  return out;
}

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const root = events[0]?.pid;
  const all = answers(events);
  const childReset = all.find((a) => a.pid !== root && a.cmd === C_RESET);
  const childGet = all.find((a) => a.pid !== root && a.cmd === C_GET);
  const rootReset = all.find((a) => a.pid === root && a.cmd === C_RESET);
  const lines = output.split('\n');
  const childJoin = (g: string) => lines.find((l) => l.startsWith('uid 65534: join ' + g));
  const rootAudit = lines.find((l) => l.startsWith('uid 0: join audit'));
  const joinRefused = events.some((e) => e.syscall === 'setsockopt' && e.pid !== root && e.errno === EPERM);

  const ctrl = events
    .filter((e) => e.dir === 'in' && e.data && e.addr && e.addr.nl_groups !== 0)
    .flatMap((e) => parseNlmsgs(e.data!))
    .filter((m) => m.nlmsg_type === GENL_ID_CTRL)
    .map((m) => parseGenlmsg(m))
    .filter(
      (g) =>
        g.attr.get(CTRL_ATTR_FAMILY_NAME) && nla_get_string(g.attr.get(CTRL_ATTR_FAMILY_NAME)!) === 'NLLAB_COUNTER',
    );
  const count = (cmd: number) => ctrl.filter((g) => g.cmd === cmd).length;
  const seen = `NEWFAMILY ×${count(CTRL_CMD_NEWFAMILY)}, NEWMCAST_GRP ×${count(CTRL_CMD_NEWMCAST_GRP)}, DELMCAST_GRP ×${count(CTRL_CMD_DELMCAST_GRP)}, DELFAMILY ×${count(CTRL_CMD_DELFAMILY)}`;
  const name = (e?: { error: number }) => (!e ? 'no answer' : e.error === 0 ? 'ACK 0' : errnoName(-e.error));

  return [
    {
      name: 'the unprivileged process may not RESET',
      pass: childReset?.error === -EPERM && childGet?.error === 0,
      message:
        `uid 65534: GET → ${name(childGet)}, RESET → ${name(childReset)}.` +
        (childGet && childGet.error !== 0 ? ' GET must stay open to everyone.' : ''),
      hints: [
        'Nothing in the family says RESET needs privileges, so genl_family_rcv_msg_doit() runs it for anyone who can open a socket.',
        'Permission checks are flags of the command (genl_ops.flags): GENL_ADMIN_PERM asks for CAP_NET_ADMIN in the initial user namespace, GENL_UNS_ADMIN_PERM for CAP_NET_ADMIN over the network namespace the request came from.',
        'Give the RESET entry of ops `flags: GENL_ADMIN_PERM` (imported from netlink-lab/kernel), and leave GET and ADD without flags.',
      ],
    },
    {
      name: 'root still may',
      pass: rootReset?.error === 0 && !!rootAudit && rootAudit.endsWith('→ ok'),
      message: `uid 0: RESET → ${name(rootReset)}; ${rootAudit ?? 'no "uid 0: join audit" line'}.`,
      hints: [
        'Root has every capability; the flags you add must not keep root out.',
        'Use the capability flags (GENL_ADMIN_PERM, GENL_MCAST_CAP_NET_ADMIN), not a hand-written uid test.',
      ],
    },
    {
      name: 'the audit group refuses the unprivileged process',
      pass: joinRefused && !!childJoin('audit')?.endsWith('EPERM') && !!childJoin('changes')?.endsWith('→ ok'),
      message: `${childJoin('changes') ?? 'no "uid 65534: join changes" line'}; ${childJoin('audit') ?? 'no "uid 65534: join audit" line'}.`,
      hints: [
        'Any process may join a generic netlink group unless the group says otherwise: NETLINK_GENERIC is created with NL_CFG_F_NONROOT_RECV.',
        'struct genl_multicast_group has a flags field; genl_bind(), which NETLINK_ADD_MEMBERSHIP and bind() call for each group, refuses with EPERM when the flags ask for a capability the process lacks.',
        "mcgrps: [{ name: 'changes' }, { name: 'audit', flags: GENL_MCAST_CAP_NET_ADMIN }].",
      ],
    },
    {
      name: 'nlctrl announced the family coming and going',
      pass:
        count(CTRL_CMD_NEWFAMILY) === 1 &&
        count(CTRL_CMD_NEWMCAST_GRP) === 2 &&
        count(CTRL_CMD_DELMCAST_GRP) === 2 &&
        count(CTRL_CMD_DELFAMILY) === 1,
      message: `Announcements about NLLAB_COUNTER heard from nlctrl's notify group: ${seen} (expected 1, 2, 2, 1).`,
      hints: [
        'genl_register_family() announces NEWFAMILY and then one NEWMCAST_GRP per group, at the moment the module loads; a socket that joins notify later does not get them replayed.',
        'In main.ts, look at the order of insmod() and the NETLINK_ADD_MEMBERSHIP on `events`.',
        "Join nlctrl's notify group on `events` before calling insmod(nllab_counter).",
      ],
    },
  ];
}
