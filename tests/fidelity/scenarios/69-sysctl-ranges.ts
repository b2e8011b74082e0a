// Scenario 69: sysctls with their own rules: ip_local_port_range (two ports, low ≤ high, low ≥ the unprivileged start), u8 booleans, negative limits.
import { open, read, write, close, O_RDONLY, O_WRONLY } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

async function value(path: string): Promise<string> {
  const fd = await open(path, O_RDONLY);
  const b = new Uint8Array(64);
  const n = await read(fd, b);
  await close(fd);
  return JSON.stringify(new TextDecoder().decode(b.subarray(0, n)));
}

async function put(name: string, text: string): Promise<void> {
  const path = `/proc/sys/net/${name}`;
  const fd = await open(path, O_WRONLY);
  await show(`${name} <- ${JSON.stringify(text)}`, () => write(fd, new TextEncoder().encode(text)));
  await close(fd);
  console.log(`  value: ${await value(path)}`);
}

export default async function main() {
  for (const v of ['40000 50000', '50000 40000', '1000 2000', '1024 1024', '2000 70000', '30000', '0 0', '32768 60999'])
    await put('ipv4/ip_local_port_range', v);
  for (const v of ['2000', '65535', '65536', '-1', '0', '1024']) await put('ipv4/ip_unprivileged_port_start', v);
  for (const v of ['2', '0', '1']) await put('core/txrehash', v);
  for (const v of ['1', '2', '0']) await put('ipv4/icmp_echo_ignore_all', v);
  for (const v of ['-5', '0', '131072']) await put('core/optmem_max', v);
  for (const v of ['0', '256', '255', '64']) await put('ipv4/ip_default_ttl', v);
  for (const v of ['-3', '10']) await put('unix/max_dgram_qlen', v);
}

export const scenario: Scenario = {
  title: 'sysctl range rules: ip_local_port_range, ip_unprivileged_port_start, u8 booleans, negative values',
  expect: [
    'ipv4/ip_local_port_range <- "40000 50000": 11',
    '  value: "40000\\t50000\\n"',
    'ipv4/ip_local_port_range <- "50000 40000": EINVAL',
    '  value: "40000\\t50000\\n"',
    'ipv4/ip_local_port_range <- "1000 2000": EINVAL',
    '  value: "40000\\t50000\\n"',
    'ipv4/ip_local_port_range <- "1024 1024": 9',
    '  value: "1024\\t1024\\n"',
    'ipv4/ip_local_port_range <- "2000 70000": EINVAL',
    '  value: "1024\\t1024\\n"',
    'ipv4/ip_local_port_range <- "30000": EINVAL',
    '  value: "1024\\t1024\\n"',
    'ipv4/ip_local_port_range <- "0 0": EINVAL',
    '  value: "1024\\t1024\\n"',
    'ipv4/ip_local_port_range <- "32768 60999": 11',
    '  value: "32768\\t60999\\n"',
    'ipv4/ip_unprivileged_port_start <- "2000": 4',
    '  value: "2000\\n"',
    'ipv4/ip_unprivileged_port_start <- "65535": EINVAL',
    '  value: "2000\\n"',
    'ipv4/ip_unprivileged_port_start <- "65536": EINVAL',
    '  value: "2000\\n"',
    'ipv4/ip_unprivileged_port_start <- "-1": EINVAL',
    '  value: "2000\\n"',
    'ipv4/ip_unprivileged_port_start <- "0": 1',
    '  value: "0\\n"',
    'ipv4/ip_unprivileged_port_start <- "1024": 4',
    '  value: "1024\\n"',
    'core/txrehash <- "2": EINVAL',
    '  value: "1\\n"',
    'core/txrehash <- "0": 1',
    '  value: "0\\n"',
    'core/txrehash <- "1": 1',
    '  value: "1\\n"',
    'ipv4/icmp_echo_ignore_all <- "1": 1',
    '  value: "1\\n"',
    'ipv4/icmp_echo_ignore_all <- "2": EINVAL',
    '  value: "1\\n"',
    'ipv4/icmp_echo_ignore_all <- "0": 1',
    '  value: "0\\n"',
    'core/optmem_max <- "-5": EINVAL',
    '  value: "131072\\n"',
    'core/optmem_max <- "0": 1',
    '  value: "0\\n"',
    'core/optmem_max <- "131072": 6',
    '  value: "131072\\n"',
    'ipv4/ip_default_ttl <- "0": EINVAL',
    '  value: "64\\n"',
    'ipv4/ip_default_ttl <- "256": EINVAL',
    '  value: "64\\n"',
    'ipv4/ip_default_ttl <- "255": 3',
    '  value: "255\\n"',
    'ipv4/ip_default_ttl <- "64": 2',
    '  value: "64\\n"',
    'unix/max_dgram_qlen <- "-3": 2',
    '  value: "-3\\n"',
    'unix/max_dgram_qlen <- "10": 2',
    '  value: "10\\n"',
  ],
};
