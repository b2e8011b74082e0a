/**
 * Boot: bring up netlink and the protocols built into the kernel. A built-in protocol registers
 * here by calling its init function, which calls netlink_kernel_create(unit, cfg).
 * Ref: init/main.c:start_kernel → do_initcalls
 *
 * Models Linux 6.18: init/main.c
 */
import { netlink_proto_init } from '../net/netlink/af_netlink';
import { genl_init } from '../net/netlink/genetlink';
import { rtnetlink_net_init, rtnetlink_late_init } from '../net/core/rtnetlink';
import { devinet_init } from '../net/ipv4/devinet';
import { addrconf_init } from '../net/ipv6/addrconf';
import { fib_rules_init } from '../net/core/fib_rules';
import { neigh_init } from '../net/core/neighbour';
import { netconf_init } from '../net/core/netconf';
import { printk, KERN_INFO, KERN_ERR } from '../kernel/printk';

let booted = false;

/** Start the kernel once. */
export function start_kernel(): void {
  if (booted) return;
  booted = true;
  printk(KERN_INFO, 'Linux version 6.1.0-netlink-lab (simulated kernel in WebAssembly)');
  netlink_proto_init();
  printk(KERN_INFO, 'NET: Registered PF_NETLINK/PF_ROUTE protocol family');
  if (rtnetlink_net_init()) printk(KERN_ERR, 'rtnetlink: init failed');
  // The address families register their handlers and notifiers (inet_init, inet6_init), then
  // the namespace gets its loopback device.
  neigh_init();
  devinet_init();
  addrconf_init();
  fib_rules_init();
  netconf_init();
  rtnetlink_late_init();
  const err = genl_init();
  if (err) printk(KERN_ERR, 'genetlink: init failed: ' + err.toString());
}
