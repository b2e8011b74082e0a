/**
 * DOC_EXMPL beyond the happy path, for comparing the simulator (TypeScript module) with Linux (the
 * C module, in the VM): nlctrl's announcements on insmod/rmmod, an ECHO, and the requests the
 * family and the genetlink core refuse, with extended ACKs.
 */
import {
  insmod,
  rmmod,
  recvfrom,
  sendto,
  setsockopt,
  close,
  genl_socket,
  genl_ctrl_resolve,
  genlmsg,
  nla,
  nla_string,
  nla_string_nonul,
  parseNlmsgs,
  MSG_DONTWAIT,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
} from 'netlink-lab/user';
import doc_exmpl from '../../../../sandboxes/sim/modules/doc_exmpl.ts';

const KERNEL = { nl_family: 16, nl_pid: 0, nl_groups: 0 };

async function drain(fd: number, label: string): Promise<void> {
  const buf = new Uint8Array(8192);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      console.log(
        `${label}: ${parseNlmsgs(buf.subarray(0, n))
          .map(
            (m) =>
              `type=${m.nlmsg_type === 2 || m.nlmsg_type === 16 ? m.nlmsg_type : 'F'} len=${m.nlmsg_len} flags=0x${m.nlmsg_flags.toString(16)}`,
          )
          .join('; ')}`,
      );
    } catch {
      return;
    }
  }
}

const watch = await genl_socket();
await setsockopt(watch, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 0x10);
await insmod(doc_exmpl);

const fd = await genl_socket();
await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
const listener = await genl_socket();
await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, f.groups.get('DOC_EXMPL_GRP')!);

const cases: [string, number, number, Uint8Array[], number?][] = [
  ['echo', 1, NLM_F_REQUEST | NLM_F_ACK, [nla_string(1, 'hello')]],
  ['no attribute', 1, NLM_F_REQUEST | NLM_F_ACK, []],
  ['no NUL', 1, NLM_F_REQUEST | NLM_F_ACK, [nla_string_nonul(1, 'abc')]],
  ['unknown attribute', 1, NLM_F_REQUEST | NLM_F_ACK, [nla_string(1, 'x'), nla(5, new Uint8Array(4))]],
  ['command 2', 2, NLM_F_REQUEST | NLM_F_ACK, []],
  ['as a dump', 1, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, [nla_string(1, 'x')]],
  ['reserved field', 1, NLM_F_REQUEST | NLM_F_ACK, [nla_string(1, 'x')], 1],
];
let seq = 100;
for (const [label, cmd, flags, attrs, reserved] of cases) {
  await sendto(fd, genlmsg({ family: f.id, cmd, flags, seq: seq++, attrs, reserved }), 0, KERNEL);
  await drain(fd, label);
  await drain(listener, `${label} (group)`);
}

await close(listener);
await close(fd);
await rmmod('doc_exmpl');
await drain(watch, 'nlctrl notify');
await close(watch);
