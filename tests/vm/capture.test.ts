/**
 * An nlmon capture taken in the 6.1 VM (nlmon.ko from Debian's kernel package, captured by the
 * image's nlcap through a packet socket, as tcpdump would) imports and decodes: busybox `ip link`
 * (a GETLINK dump) and genl_echo (nlctrl GETFAMILY, then DOC_EXMPL ECHO), with DOC_EXMPL named
 * from the capture's own nlctrl reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCapture } from '../../src/lib/capture.ts';
import { ensureVmImage, startVm, type Vm } from '../../sandboxes/vm/qemu.ts';

let vm: Vm | undefined;
beforeAll(async () => {
  ensureVmImage();
  vm = await startVm({ timeoutMs: 120_000 });
}, 180_000);
afterAll(async () => {
  await vm?.kill();
});

describe('an nlmon capture from the VM', () => {
  it('imports and decodes: link dump, nlctrl resolution and the DOC_EXMPL echo', async () => {
    const r = await vm!.exec(
      [
        'insmod /lib/modules/extra/nlmon.ko',
        'ip link add nlmon0 type nlmon',
        'ip link set nlmon0 up',
        '{ nlcap nlmon0 /tmp/c.pcap & }',
        'sleep 1',
        'ip link show >/dev/null',
        'genl_echo >/dev/null 2>&1',
        'sleep 1',
        'kill $!',
        'od -An -tx1 -v /tmp/c.pcap',
      ].join('; '),
      { timeoutMs: 60_000 },
    );
    const bytes = new Uint8Array(
      r.output
        .split(/\s+/)
        .filter((x) => /^[0-9a-f]{2}$/.test(x))
        .map((x) => parseInt(x, 16)),
    );
    const { packets, families } = decodeCapture(bytes);
    // A live capture: LINKTYPE_NETLINK, ARPHRD_NETLINK, PACKET_OUTGOING (4) whichever way it went.
    expect(new DataView(bytes.buffer).getUint32(20, true)).toBe(253);
    expect(packets.every((p) => p.packet.to === 'unknown')).toBe(true);
    const labels = packets.flatMap((p) =>
      p.fields.filter((f) => f.kind === 'message').map((f) => `${f.label}: ${f.value}`),
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^RTM_GETLINK/),
        'RTM_NEWLINK: RTM_NEWLINK "lo"',
        'NLMSG_DONE: end of dump',
        'nlctrl: CTRL_CMD_GETFAMILY',
        'nlctrl: CTRL_CMD_NEWFAMILY',
        'DOC_EXMPL: DOC_EXMPL_C_ECHO',
      ]),
    );
    expect(families.map((f) => f.name)).toContain('DOC_EXMPL');
    const echo = packets.flatMap((p) => p.fields).find((f) => f.label === 'DOC_EXMPL')!;
    expect(echo.children!.find((c) => c.label === 'DOC_EXMPL_A_MSG')?.value).toMatch(/^".+"$/);
  }, 120_000);
});
