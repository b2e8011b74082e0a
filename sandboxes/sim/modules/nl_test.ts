/**
 * nl_test: a netlink protocol of our own, NETLINK_TEST = 25. The TypeScript twin of the C module
 * the real kernel loads (sandboxes/vm/modules/nl_test.c): the same replies, in the same order.
 *
 * Echo mode answers every message with a copy of its payload. Delayed mode is the source article's
 * experiment: the input callback sleeps before each of its replies, and since it runs inside the
 * sender's sendmsg(), the sender waits until the last reply is queued.
 */
import {
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_unicast,
  nlmsg_new,
  nlmsg_put,
  nlmsg_data,
  nlmsg_hdr,
  nlmsg_ok,
  nlmsg_next,
  nlmsg_len,
  kfree_skb,
  msleep,
  pr_info,
  init_net,
  NETLINK_CB,
  MSG_DONTWAIT,
  EBUSY,
  EINVAL,
  ENOMEM,
  EMSGSIZE,
  type sock,
  type sk_buff,
  type nlmsghdr,
} from 'netlink-lab/kernel';

const NETLINK_TEST = 25;
const NL_TEST_GREETING = 'I am from kernel!\0';

/** Module parameters, as `insmod nl_test.ko delayed=1 replies=10 interval_ms=3000` sets them. */
export interface NlTestParams {
  /** 0: echo each message; 1: send `replies` greetings, `interval_ms` apart. */
  delayed?: number;
  replies?: number;
  interval_ms?: number;
}

/** The module with its parameters. */
export function nl_test({ delayed = 0, replies = 10, interval_ms = 3000 }: NlTestParams = {}) {
  let nl_sk: sock | null = null;

  function nl_test_send(dst: number, req: nlmsghdr, payload: Uint8Array): void {
    const skb = nlmsg_new(payload.length);
    if (!skb) return pr_info(`nl_test: reply to port ${dst} failed: ${-ENOMEM}`);
    const nlh = nlmsg_put(skb, 0, req.nlmsg_seq, req.nlmsg_type, payload.length, 0);
    if (!nlh) {
      kfree_skb(skb);
      return pr_info(`nl_test: reply to port ${dst} failed: ${-EMSGSIZE}`);
    }
    nlmsg_data(nlh).set(payload);
    NETLINK_CB(skb).portid = 0;
    NETLINK_CB(skb).dst_group = 0;
    const err = netlink_unicast(nl_sk!, skb, dst, MSG_DONTWAIT);
    if (err < 0) pr_info(`nl_test: reply to port ${dst} failed: ${err}`);
  }

  async function nl_test_handle(skb: sk_buff, nlh: nlmsghdr): Promise<void> {
    const payload = nlmsg_data(nlh).slice(0, nlmsg_len(nlh));
    const dst = nlh.nlmsg_pid; // the return address written in the header, not the real sender
    const text = new TextDecoder().decode(
      payload.subarray(0, Math.min(64, payload.indexOf(0) < 0 ? payload.length : payload.indexOf(0))),
    );
    pr_info(`nl_test: ${payload.length} bytes from port ${NETLINK_CB(skb).portid}, header pid ${dst}: "${text}"`);

    // Port 0 is this kernel socket: replying there would feed our own input again.
    if (dst === 0) return pr_info('nl_test: header pid is 0 (the kernel itself): not replying');

    if (!delayed) return nl_test_send(dst, nlh, payload);
    const greeting = new TextEncoder().encode(NL_TEST_GREETING);
    for (let i = 0; i < replies; i++) {
      await msleep(interval_ms);
      nl_test_send(dst, nlh, greeting);
    }
  }

  /** Runs in the sender's sendmsg(): the sender waits until this returns. */
  async function nl_test_rcv(skb: sk_buff): Promise<void> {
    let nlh = nlmsg_hdr(skb);
    let remaining = skb.len;
    while (nlmsg_ok(nlh, remaining)) {
      await nl_test_handle(skb, nlh);
      [nlh, remaining] = nlmsg_next(nlh, remaining);
    }
  }

  return {
    name: 'nl_test',
    description: 'netlink-lab: custom netlink protocol 25 that echoes or answers slowly',
    params: { delayed, replies, interval_ms },
    init(): number {
      if (delayed && (replies < 1 || replies > 100 || interval_ms < 0 || interval_ms > 60000)) return -EINVAL;
      nl_sk = netlink_kernel_create(init_net, NETLINK_TEST, { input: nl_test_rcv });
      if (!nl_sk) return -EBUSY; // protocol taken
      pr_info(`nl_test: protocol ${NETLINK_TEST} ready (delayed=${delayed})`);
      return 0;
    },
    exit(): void {
      netlink_kernel_release(nl_sk!);
      pr_info(`nl_test: protocol ${NETLINK_TEST} closed`);
    },
  };
}

/** The module as lessons 2.1 and 3.1 load it: the article's ten slow replies. */
export default nl_test({ delayed: 1 });
