/**
 * Generic netlink family and multicast group ids are allocated by each kernel (DOC_EXMPL is 0x20
 * with group 9 on the VM's Debian 6.1, other numbers on the simulator): before comparing two runs,
 * name them by order of appearance, as the fidelity harness does for ports and sequence numbers.
 * The ids are read from the nlctrl NEWFAMILY replies the program received.
 */
import type { NormalisedRun } from '../fidelity/harness.ts';

const GENL_ID_CTRL = 0x10;
const CTRL_CMD_NEWFAMILY = 1;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_MCAST_GROUPS = 7;
const CTRL_ATTR_MCAST_GRP_ID = 2;

function* attrs(b: Uint8Array, off: number, end: number): Generator<{ type: number; start: number; end: number }> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (off + 4 <= end) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > end) return;
    yield { type: v.getUint16(off + 2, true) & 0x3fff, start: off + 4, end: off + len };
    off += (len + 3) & ~3;
  }
}

/** Family ids and group ids announced by nlctrl in the datagrams a run received. */
function announcedIds(run: NormalisedRun): { families: number[]; groups: number[] } {
  const families: number[] = [];
  const groups: number[] = [];
  for (const e of run.raw.events) {
    if (e.dir !== 'in' || !e.data) continue;
    const b = e.data;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let off = 0; off + 20 <= b.length; ) {
      const len = v.getUint32(off, true);
      if (len < 16 || off + len > b.length) break;
      if (v.getUint16(off + 4, true) === GENL_ID_CTRL && b[off + 16] === CTRL_CMD_NEWFAMILY) {
        for (const a of attrs(b, off + 20, off + len)) {
          if (a.type === CTRL_ATTR_FAMILY_ID) families.push(v.getUint16(a.start, true));
          if (a.type === CTRL_ATTR_MCAST_GROUPS) {
            for (const g of attrs(b, a.start, a.end)) {
              for (const ga of attrs(b, g.start, g.end))
                if (ga.type === CTRL_ATTR_MCAST_GRP_ID) groups.push(v.getUint32(ga.start, true));
            }
          }
        }
      }
      off += (len + 3) & ~3;
    }
  }
  return { families: [...new Set(families)].filter((f) => f !== GENL_ID_CTRL), groups: [...new Set(groups)] };
}

const le32 = (n: number) => [0, 8, 16, 24].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join('');

/** `lines` (rendered from `run`) with the run's allocated family and group ids named F1…, G1…, M1… (group masks). */
export function nameGenlIds(run: NormalisedRun, lines: string[]): string[] {
  const { families, groups } = announcedIds(run);
  return lines.map((line) => {
    let l = line;
    families.forEach((f, i) => {
      const name = `F${i + 1}`;
      l = l
        .replace(new RegExp(`type=0x${f.toString(16)}\\b`, 'g'), `type=${name}`)
        .replace(new RegExp(`(06000100 )${le32(f)}`, 'g'), `$1${name}`)
        .replace(new RegExp(`\\bid ${f}\\b`, 'g'), `id ${name}`);
    });
    groups.forEach((g, i) => {
      const name = `G${i + 1}`;
      l = l
        .replace(new RegExp(`(08000200 )${le32(g)}( [0-9a-f]{4}0100)`, 'g'), `$1${name}$2`)
        .replace(new RegExp(`\\bid ${g}\\b`, 'g'), `id ${name}`);
      if (g >= 1 && g <= 32) {
        const mask = `0x${(2 ** (g - 1)).toString(16)}`;
        l = l
          .replace(new RegExp(`\\(0, ${mask}\\)`, 'g'), `(0, M${i + 1})`)
          .replace(new RegExp(`\\bmask ${mask}\\b`, 'g'), `mask M${i + 1}`);
      }
    });
    return l;
  });
}
