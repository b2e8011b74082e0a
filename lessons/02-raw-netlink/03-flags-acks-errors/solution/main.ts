/**
 * ACKs and errors: what the kernel answers, and how much it tells you about what went wrong —
 * down to the attribute it blames, with NETLINK_EXT_ACK.
 */
import {
  socket, bind, sendto, recvfrom, setsockopt, errnoName, nlmsg, genlmsghdr, nla_string, ErrnoError,
  AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NETLINK_ROUTE, SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK,
  NLM_F_REQUEST, NLM_F_ACK, NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND, NLM_F_CAPPED, NLM_F_ACK_TLVS,
  NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_ALIGN, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, MSG_DONTWAIT,
  GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, RTM_NEWLINK,
  NLM_F_ECHO, NLM_F_DUMP, NLM_F_ATOMIC, RTM_NEWADDR, RTM_GETADDR, AF_INET, IFA_LOCAL, IFA_ADDRESS, RT_SCOPE_HOST,
  nla, parseNlmsgs, ifaddrmsg, parseIfaddrmsg, inet_pton4, inet_ntop,
} from 'netlink-lab/user';

const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
const buf = new Uint8Array(8192);
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Send one request and read every datagram the kernel queued for it. */
async function ask(fd: number, req: Uint8Array): Promise<Uint8Array[]> {
  await sendto(fd, req, 0, KERNEL);
  const out: Uint8Array[] = [];
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      out.push(buf.slice(0, n));
    } catch (e) {
      if (e instanceof ErrnoError && e.code === 'EAGAIN') return out;
      throw e;
    }
  }
}

/** One line per answer: its type, length, flags and, for NLMSG_ERROR, the error. */
function summary(d: Uint8Array): string {
  const type = dv(d).getUint16(4, true);
  const flags = dv(d).getUint16(6, true);
  let s = `type ${type}, nlmsg_len ${dv(d).getUint32(0, true)}, flags 0x${flags.toString(16)}`;
  if (type === NLMSG_ERROR) {
    const error = dv(d).getInt32(NLMSG_HDRLEN, true);
    s += error === 0 ? ' = ACK' : ` = error ${errnoName(-error)}`;
  }
  return s;
}

const getfamily = (name: string, flags: number, seq: number) =>
  nlmsg({ type: GENL_ID_CTRL, flags, seq, payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, name)] });

const genl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
await bind(genl, KERNEL);

// ---- Part 1: a reply, an ACK, an error, a capped error ----------------------------------------
for (const [label, req] of [
  ['nlctrl, REQUEST', getfamily('nlctrl', NLM_F_REQUEST, 1)],
  ['nlctrl, REQUEST|ACK', getfamily('nlctrl', NLM_F_REQUEST | NLM_F_ACK, 2)],
  ['no_such_family, REQUEST', getfamily('no_such_family', NLM_F_REQUEST, 3)],
] as const) {
  for (const d of await ask(genl, req)) console.log(`${label}: ${summary(d)}`);
}
await setsockopt(genl, SOL_NETLINK, NETLINK_CAP_ACK, 1);
for (const d of await ask(genl, getfamily('no_such_family', NLM_F_REQUEST, 4))) console.log(`no_such_family, CAP_ACK: ${summary(d)}`);

// ---- Part 2: the NEW flags on RTM_NEWLINK for lo (ifindex 1) ----------------------------------
// Choose flags (NLM_F_EXCL, NLM_F_REPLACE, NLM_F_CREATE, NLM_F_APPEND) so that the kernel gives
// each answer in `want`.
const rt = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await bind(rt, KERNEL);
const ifinfomsg = (index: number) => { const b = new Uint8Array(16); dv(b).setInt32(4, index, true); return b; };
const newlink = [
  { want: 'ACK', flags: NLM_F_CREATE },         // lo exists: CREATE is allowed, nothing to create
  { want: 'EEXIST', flags: NLM_F_EXCL },        // "only if it does not exist yet"
  { want: 'EOPNOTSUPP', flags: NLM_F_REPLACE }, // a link cannot be replaced
];
for (const [i, { want, flags }] of newlink.entries()) {
  for (const d of await ask(rt, nlmsg({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK | flags, seq: 10 + i, payload: ifinfomsg(1) }))) {
    console.log(`RTM_NEWLINK lo, flags 0x${(NLM_F_REQUEST | NLM_F_ACK | flags).toString(16)} (want ${want}): ${summary(d)}`);
  }
}

// ---- Part 3: an extended ACK -----------------------------------------------------------------
// A family name of 20 characters: nlctrl's policy allows at most 15. Turn on NETLINK_EXT_ACK
// before sending, then finish explain().

/**
 * Print what an NLMSG_ERROR says about `req`, one fact a line:
 *   message: <the NLMSGERR_ATTR_MSG text>
 *   offset: <the NLMSGERR_ATTR_OFFS value>
 *   offending attribute: type <nla_type>, nla_len <nla_len>   (read from req at that offset)
 */
function explain(d: Uint8Array, req: Uint8Array): void {
  console.log(`error: ${summary(d)}`);
  const flags = dv(d).getUint16(6, true);
  if (!(flags & NLM_F_ACK_TLVS)) return console.log('no extended ACK');
  // struct nlmsgerr: int error, then the request's header, then its payload unless the error is
  // 0 or the answer is capped (NETLINK_CAP_ACK, which part 1 turned on): then the TLVs.
  const echoedLen = dv(d).getUint32(NLMSG_HDRLEN + 4, true);
  const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : NLMSG_ALIGN(echoedLen);
  const len = dv(d).getUint32(0, true);
  for (let off = NLMSG_HDRLEN + 4 + echoed; off + 4 <= len;) {
    const nla_len = dv(d).getUint16(off, true);
    const nla_type = dv(d).getUint16(off + 2, true) & 0x3fff;
    if (nla_len < 4) break;
    const payload = d.subarray(off + 4, off + nla_len);
    if (nla_type === NLMSGERR_ATTR_MSG) console.log(`message: ${new TextDecoder().decode(payload.subarray(0, payload.indexOf(0)))}`);
    if (nla_type === NLMSGERR_ATTR_OFFS) {
      const offs = dv(payload).getUint32(0, true);
      console.log(`offset: ${offs}`);
      // The offset counts from the first byte of the request's nlmsghdr.
      console.log(`offending attribute: type ${dv(req).getUint16(offs + 2, true) & 0x3fff}, nla_len ${dv(req).getUint16(offs, true)}`);
    }
    off += NLMSG_ALIGN(nla_len);
  }
}

await setsockopt(genl, SOL_NETLINK, NETLINK_EXT_ACK, 1);
const bad = getfamily('abcdefghijklmnopqrst', NLM_F_REQUEST | NLM_F_ACK, 20);
for (const d of await ask(genl, bad)) explain(d, bad);

// ---- Part 4: NLM_F_ECHO on a change, NLM_F_ATOMIC on a dump --------------------------------------
// Add 127.0.0.2/8 to lo and ask to see the RTM_NEWADDR notification the kernel announces for it,
// on this socket, although it joined no group. Then dump the IPv4 addresses twice, the second
// time with NLM_F_ATOMIC, and compare the answers.
const newaddr = nlmsg({
  type: RTM_NEWADDR, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, seq: 30,
  payload: [ifaddrmsg({ family: AF_INET, prefixlen: 8, scope: RT_SCOPE_HOST, index: 1 }),
    nla(IFA_LOCAL, inet_pton4('127.0.0.2')), nla(IFA_ADDRESS, inet_pton4('127.0.0.2'))],
});
for (const d of await ask(rt, newaddr)) {
  for (const m of parseNlmsgs(d)) {
    if (m.nlmsg_type !== RTM_NEWADDR) { console.log(`RTM_NEWADDR 127.0.0.2/8 lo: ${summary(d.subarray(m.offset))}`); continue; }
    const a = parseIfaddrmsg(m);
    const local = a.attrs.find((x) => x.type === IFA_LOCAL);
    console.log(`echo: RTM_NEWADDR ${local ? inet_ntop(local.payload) : '?'}/${a.prefixlen} on ifindex ${a.index}, seq ${m.nlmsg_seq}, pid ${m.nlmsg_pid}, flags 0x${m.nlmsg_flags.toString(16)}`);
  }
}

/** Dump the IPv4 addresses; every message of the answer, with its nlmsg_seq set to 0. */
async function dumpAddrs(flags: number, seq: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const d of await ask(rt, nlmsg({ type: RTM_GETADDR, flags: NLM_F_REQUEST | flags, seq, payload: ifaddrmsg({ family: AF_INET }) }))) {
    for (const m of parseNlmsgs(d)) {
      const copy = d.slice(m.offset, m.offset + m.nlmsg_len);
      dv(copy).setUint32(8, 0, true);
      out.push(copy);
    }
  }
  return out;
}
const plain = await dumpAddrs(NLM_F_DUMP, 40);
const atomic = await dumpAddrs(NLM_F_DUMP | NLM_F_ATOMIC, 41);
const same = plain.length === atomic.length && plain.every((m, i) => m.length === atomic[i].length && m.every((b, j) => b === atomic[i][j]));
for (const [label, list] of [['dump', plain], ['dump|ATOMIC', atomic]] as const) {
  console.log(`${label}: ${list.map((m) => `type ${dv(m).getUint16(4, true)} flags 0x${dv(m).getUint16(6, true).toString(16)} len ${m.length}`).join(', ')}`);
}
console.log(same ? 'the two dumps are identical apart from nlmsg_seq' : 'the two dumps differ');
