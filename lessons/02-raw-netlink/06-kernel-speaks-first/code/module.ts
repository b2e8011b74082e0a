/**
 * nl_ticker: a module that speaks first, on a netlink protocol of its own (NETLINK_TICKER = 26).
 *
 * Nobody asks it anything. One second after it loads, and every second after that (four times),
 * a timer broadcasts "tick N" to multicast group 1. It is not finished:
 *   - the ticks reach the listener, but the listener cannot tell they came from group 1;
 *   - the kernel log complains about the timer callback (read it: dmesg in the Kernel panel);
 *   - the hello to port 100 is missing (TODO below).
 */
import {
  netlink_kernel_create, netlink_kernel_release, netlink_broadcast, netlink_unicast,
  nlmsg_new, nlmsg_put, nlmsg_data, kfree_skb, NETLINK_CB, pr_info, init_net,
  timer_setup, mod_timer, timer_delete_sync, INIT_WORK, schedule_work, cancel_work_sync,
  jiffies, msecs_to_jiffies, GFP_ATOMIC, GFP_KERNEL, MSG_DONTWAIT, EBUSY,
  type sock, type sk_buff, type timer_list, type work_struct,
} from 'netlink-lab/kernel';

const NETLINK_TICKER = 26;
const TICKER_GROUP = 1; // the ticks go to multicast group 1
const TICKER_PORT = 100; // the hellos go to port 100
const TICKER_PERIOD_MS = 1000;
const TICKER_TICKS = 4;
const TICKER_MSG_TICK = 0x10;
const TICKER_MSG_HELLO = 0x11;

let nl_sk: sock | null = null;
const tick_timer: timer_list = {};
let ticks = 0;
let last_broadcast = 0; // what the previous netlink_broadcast() returned
let last_unicast = 0; // what the previous netlink_unicast() returned

/** One message holding `text` and its NUL; `gfp` says whether the allocation may sleep. */
function ticker_msg(type: number, text: string, gfp: number): sk_buff | null {
  const payload = new TextEncoder().encode(`${text}\0`);
  const skb = nlmsg_new(payload.length, gfp);
  if (!skb) return null;
  const nlh = nlmsg_put(skb, 0, ticks, type, payload.length, 0);
  if (!nlh) {
    kfree_skb(skb);
    return null;
  }
  nlmsg_data(nlh).set(payload);
  return skb;
}

/** The timer callback. */
function ticker_tick(t: timer_list): void {
  ticks++;
  const skb = ticker_msg(TICKER_MSG_TICK, `tick ${ticks}: the last broadcast returned ${last_broadcast}`, GFP_KERNEL);
  if (skb) last_broadcast = netlink_broadcast(nl_sk!, skb, 0, TICKER_GROUP, GFP_KERNEL);
  // TODO: after each tick, unicast "hello N: the last unicast returned R" (type TICKER_MSG_HELLO)
  // to TICKER_PORT, R being what the previous netlink_unicast() returned (0 before the first).
  if (ticks < TICKER_TICKS) mod_timer(t, jiffies() + msecs_to_jiffies(TICKER_PERIOD_MS));
}

export const nl_ticker = {
  name: 'nl_ticker',
  description: 'netlink-lab: protocol 26, a timer broadcasting ticks and a work item saying hello',
  init(): number {
    nl_sk = netlink_kernel_create(init_net, NETLINK_TICKER, {});
    if (!nl_sk) return -EBUSY;
    timer_setup(tick_timer, ticker_tick, 0);
    mod_timer(tick_timer, jiffies() + msecs_to_jiffies(TICKER_PERIOD_MS));
    pr_info(`nl_ticker: protocol ${NETLINK_TICKER} ready`);
    return 0;
  },
  async exit(): Promise<void> {
    timer_delete_sync(tick_timer);
    netlink_kernel_release(nl_sk);
    pr_info(`nl_ticker: protocol ${NETLINK_TICKER} closed`);
  },
};
