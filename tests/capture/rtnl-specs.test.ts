/**
 * NETLINK_ROUTE decoded from the kernel's own YNL specs (content/specs/kernel/rt-*.yaml), on what
 * real traffic holds: the fidelity scenarios that dump and change links, addresses, routes,
 * neighbours and rules are run on the simulated kernel and on this machine's kernel, and every
 * datagram sent and received is decoded. Every message of a type the specs describe must get its
 * fixed header from the spec (ifinfomsg, ifaddrmsg, rtmsg, ndmsg, fib_rule_hdr) and a name for
 * every attribute, nested ones included; the rule messages get rt-rule.yaml's names (FRA_*,
 * FR_ACT_*) and the routing table named from the uapi header, the neighbours NUD_* and RTN_*. The lab's builder reads each of
 * these datagrams with the same fixed header and writes it back byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runProgram } from '../fidelity/harness.ts';
import { decodeDatagram, type Field } from '../../src/lib/decode/index.ts';
import { RTNL_OPS } from '../../src/lib/decode/ynl.ts';
import { encodeDatagram, parseDatagram, toHex } from '../../src/lib/builder/model.ts';
import { AF_NETLINK, NETLINK_ROUTE } from '../../src/api/uapi.ts';

const SCENARIOS = ['80-rtnl-fresh-dumps', '82-rtnl-addr-route', '83-rtnl-strict-groups', '89-rtnl-neigh'];
const HEADER: Record<number, string> = { 0: 'ifinfomsg', 1: 'ifaddrmsg', 2: 'rtmsg', 3: 'ndmsg', 4: 'fib_rule_hdr' };
const all = (f: Field): Field[] => [f, ...(f.children ?? []).flatMap(all)];

interface Seen {
  kernel: string;
  dir: 'in' | 'out';
  message: Field;
  type: number;
  /** The datagram it came in, and which message of it. */
  data: Uint8Array;
  index: number;
}

async function messages(kernel: 'sim' | 'real'): Promise<Seen[]> {
  const out: Seen[] = [];
  for (const s of SCENARIOS) {
    const run = await runProgram(join('tests/fidelity/scenarios', `${s}.ts`), kernel, 60_000);
    const fds = new Set<string>();
    for (const e of run.events) {
      if (
        e.syscall === 'socket' &&
        e.socket?.domain === AF_NETLINK &&
        e.socket.protocol === NETLINK_ROUTE &&
        e.ret !== undefined
      )
        fds.add(`${e.pid}:${e.ret}`);
      if (!e.data || !e.dir || !fds.has(`${e.pid}:${e.fd}`) || e.errno !== undefined) continue;
      const fields = decodeDatagram(e.data, {
        protocol: NETLINK_ROUTE,
        sender: e.dir === 'in' ? 'kernel' : 'process',
      });
      for (const [index, m] of fields.filter((f) => f.kind === 'message').entries()) {
        const type = e.data[m.start + 4]! | (e.data[m.start + 5]! << 8);
        out.push({ kernel, dir: e.dir, message: m, type, data: e.data, index });
      }
    }
  }
  return out;
}

describe('NETLINK_ROUTE messages decoded from the kernel YNL specs', () => {
  for (const kernel of ['sim', 'real'] as const) {
    it(`on the ${kernel === 'sim' ? 'simulated' : "machine's"} kernel: links, addresses, routes, neighbours, rules`, {
      timeout: 300_000,
    }, async () => {
      const seen = await messages(kernel);
      const described = seen.filter((s) => RTNL_OPS.some((o) => o.value === s.type));
      // Every kind the specs cover came by, both ways.
      for (const kind of [0, 1, 2, 3, 4])
        for (const dir of ['in', 'out'] as const)
          expect(
            described.some((s) => s.dir === dir && (s.type - 16) >> 2 === kind),
            `${HEADER[kind]} ${dir}`,
          ).toBe(true);
      const bad: string[] = [];
      for (const s of described) {
        const hdr = s.message.children?.[1];
        // A request may be shorter than its header (a dump asking with rtgenmsg): then no header.
        if (hdr?.kind !== 'header') continue;
        const where = `${s.dir} ${s.message.label} @${s.message.start}`;
        if (hdr.label !== HEADER[(s.type - 16) >> 2]) bad.push(`${where}: header ${hdr.label}`);
        // The lab's builder reads it with the same header, and writes the datagram back byte for byte.
        const d = parseDatagram(s.data, NETLINK_ROUTE);
        if (d.messages[s.index]?.header?.struct !== hdr.label)
          bad.push(`${where}: the builder reads ${d.messages[s.index]?.header?.struct}`);
        if (toHex(encodeDatagram(d)) !== toHex(s.data)) bad.push(`${where}: the builder does not write it back`);
        for (const f of all(s.message))
          if (f.kind === 'attr' && /^attribute \d+$/.test(f.label)) bad.push(`${where}: ${f.label} unnamed`);
          // Bytes the decoder could not place in a reply. Not counted: the end of a struct attribute
          // the spec describes only in part (rt-route.yaml's rta-cacheinfo has 5 of the kernel's 8
          // members) or without its tail padding (rtnl_link_ifmap, 28 bytes of 32).
          else if (f.kind === 'trailing' && s.dir === 'in' && f.label !== 'rest of the struct')
            bad.push(`${where}: ${f.label} ${f.note ?? ''}`);
      }
      expect(bad).toEqual([]);
      // The rules: rt-rule.yaml's names for the header and the attributes of a default rule.
      const rules = described.filter((s) => s.type === 32 && s.dir === 'in');
      expect(rules.length).toBeGreaterThanOrEqual(5);
      const main = rules.find((r) =>
        all(r.message).some((f) => f.label === 'FRA_PRIORITY' && f.value?.startsWith('32766 ')),
      );
      expect(main, 'the main table rule (priority 32766)').toBeDefined();
      const labels = all(main!.message).map((f) => `${f.label}=${f.value ?? ''}`);
      expect(labels).toEqual(
        expect.arrayContaining([
          'action=FR_ACT_TO_TBL (1)',
          'table=RT_TABLE_MAIN (254)',
          'FRA_TABLE=254 (0xfe)',
          'FRA_SUPPRESS_PREFIXLEN=4294967295 (0xffffffff)',
          'FRA_PROTOCOL=2',
        ]),
      );
      expect(main!.message.value).toMatch(/^RTM_NEWRULE AF_INET6?$/);
      // Neighbours: rt-neigh.yaml's anonymous enums named as linux/neighbour.h and rtnetlink.h do.
      const neigh = described.filter((s) => s.type === 28 && s.dir === 'in').flatMap((s) => all(s.message));
      const values = (label: string) => new Set(neigh.filter((f) => f.label === label).map((f) => f.value));
      expect([...values('ndm_state')]).toEqual(expect.arrayContaining(['NUD_PERMANENT (128)']));
      for (const v of values('ndm_state')) expect(v).toMatch(/^NUD_[A-Z]+ \(\d+\)$/);
      for (const v of values('ndm_type')) expect(v).toMatch(/^RTN_[A-Z]+ \(\d+\)$/);
    });
  }
});
