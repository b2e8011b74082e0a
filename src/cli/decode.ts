/**
 * `netlink-lab decode FILE.pcap`: print a netlink capture decoded — one taken with nlmon on a real
 * machine (tcpdump -i nlmon0 -w FILE, dumpcap) or written by `netlink-lab run --pcap` or the
 * Messages panel's "Download capture".
 */
import { readFileSync } from 'node:fs';
import { decodeCapture } from '../lib/capture.ts';
import { protocolName, type Field } from '../lib/decode/index.ts';
import type { RunIO } from './run.ts';

export const DECODE_HELP = `netlink-lab decode FILE.pcap [--hex]

Print every netlink message of a capture (pcap or pcapng, LINKTYPE_NETLINK: nlmon's format),
decoded with the kernel's YNL specs and the course's; generic netlink families are named from the
capture's own nlctrl replies (and typed from its GETPOLICY replies when there is no spec).

  --hex   also print each packet's bytes`;

const terminal: RunIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** The field tree as indented lines. */
export function fieldLines(fields: readonly Field[], depth = 1): string[] {
  const out: string[] = [];
  for (const f of fields) {
    if (f.kind === 'padding' && !f.note?.includes('not zero')) continue;
    out.push(
      `${'  '.repeat(depth)}${f.label}${f.value !== undefined ? `: ${f.value}` : ''}${f.kind === 'trailing' || f.note?.includes('not zero') ? `  [${f.note ?? 'malformed'}]` : ''}`,
    );
    if (f.children && f.kind !== 'attr')
      out.push(
        ...fieldLines(
          f.children.filter((c) => c.kind !== 'field' || f.kind === 'header' || f.kind === 'payload'),
          depth + 1,
        ),
      );
    else if (f.children) {
      const payload = f.children.find((c) => c.label === 'payload');
      if (payload?.children) out.push(...fieldLines(payload.children, depth + 1));
    }
  }
  return out;
}

export async function decodeCommand(argv: string[], io: RunIO = terminal): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${DECODE_HELP}\n`);
    return 0;
  }
  const hex = argv.includes('--hex');
  const files = argv.filter((a) => a !== '--hex');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    io.stderr(`netlink-lab decode: give exactly one capture file\n\n${DECODE_HELP}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(files[0]!);
  } catch (e) {
    io.stderr(`netlink-lab decode: ${(e as Error).message}\n`);
    return 2;
  }
  let decoded;
  try {
    decoded = decodeCapture(bytes);
  } catch (e) {
    io.stderr(`netlink-lab decode: ${files[0]}: ${(e as Error).message}\n`);
    return 1;
  }
  for (const { n, packet, fields } of decoded.packets) {
    const t = (packet.time / 1000).toFixed(6);
    io.stdout(
      `#${n} ${t}s ${protocolName(packet.protocol)} ${packet.to === 'unknown' ? '' : `to ${packet.to} `}${packet.data.length} bytes${packet.origLen ? ` (of ${packet.origLen})` : ''}\n`,
    );
    for (const m of fields) {
      io.stdout(`  ${m.label}${m.value ? `: ${m.value}` : ''}\n`);
      io.stdout(`${fieldLines(m.children ?? [], 2).join('\n')}\n`);
    }
    if (hex)
      io.stdout(
        `${Array.from(packet.data, (x) => x.toString(16).padStart(2, '0'))
          .join(' ')
          .replace(/((?:\S+ ){16})/g, '$1\n')}\n`,
      );
  }
  io.stdout(`${decoded.packets.length} packets\n`);
  return 0;
}
