/**
 * nl_ticker: a module that speaks first, on a netlink protocol of its own (NETLINK_TICKER = 26).
 * The TypeScript twin of sandboxes/vm/modules/nl_ticker.c (the C module is this lesson's solution).
 *
 * Nobody asks it anything. One second after it loads, and every second after that (four times),
 * a timer broadcasts "tick N" to multicast group 1, then queues a work item that unicasts
 * "hello N" to port 100, the port agreed with user space. Each message reports what the previous
 * send of its kind returned, so user space can see what the module saw when nobody listened.
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
const hello_work: work_struct = {};
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

/** The timer: softirq context. It must not sleep, so it allocates with GFP_ATOMIC. */
function ticker_tick(t: timer_list): void {
  ticks++;
  const skb = ticker_msg(TICKER_MSG_TICK, `tick ${ticks}: the last broadcast returned ${last_broadcast}`, GFP_ATOMIC);
  if (skb) {
    NETLINK_CB(skb).dst_group = TICKER_GROUP; // receivers see the group in the source address
    last_broadcast = netlink_broadcast(nl_sk!, skb, 0, TICKER_GROUP, GFP_ATOMIC);
  }
  schedule_work(hello_work); // the rest runs later, in process context
  if (ticks < TICKER_TICKS) mod_timer(t, jiffies() + msecs_to_jiffies(TICKER_PERIOD_MS));
}

/** The work item: a kworker thread, process context. It may sleep, so GFP_KERNEL is right. */
function ticker_hello(_w: work_struct): void {
  const skb = ticker_msg(TICKER_MSG_HELLO, `hello ${ticks}: the last unicast returned ${last_unicast}`, GFP_KERNEL);
  if (!skb) return;
  last_unicast = netlink_unicast(nl_sk!, skb, TICKER_PORT, MSG_DONTWAIT);
}

export const nl_ticker = {
  name: 'nl_ticker',
  description: 'netlink-lab: protocol 26, a timer broadcasting ticks and a work item saying hello',
  init(): number {
    nl_sk = netlink_kernel_create(init_net, NETLINK_TICKER, {});
    if (!nl_sk) return -EBUSY;
    timer_setup(tick_timer, ticker_tick, 0);
    INIT_WORK(hello_work, ticker_hello);
    mod_timer(tick_timer, jiffies() + msecs_to_jiffies(TICKER_PERIOD_MS));
    pr_info(`nl_ticker: protocol ${NETLINK_TICKER} ready`);
    return 0;
  },
  async exit(): Promise<void> {
    timer_delete_sync(tick_timer); // first the timer: it queues the work
    await cancel_work_sync(hello_work);
    netlink_kernel_release(nl_sk);
    pr_info(`nl_ticker: protocol ${NETLINK_TICKER} closed`);
  },
};
