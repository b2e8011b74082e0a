/**
 * Walk a message down af_netlink.c's send path and make each check refuse it, in the order the
 * kernel makes them. Every line printed is one syscall and the errno Linux gave it.
 */
import {
  socket, bind, connect, sendto, sendmsg, recvfrom, setsockopt, getsockopt, close, spawn, waitpid,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NETLINK_ROUTE, SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SCM_CREDENTIALS,
  MSG_OOB, MSG_DONTWAIT, NLMSG_MIN_TYPE, nlmsg, ErrnoError,
} from 'netlink-lab/user';

/** Make one call, print what the kernel answered, and return the errno's name ('ok' on success). */
async function attempt(what: string, call: () => Promise<unknown>): Promise<string> {
  try {
    const r = await call();
    console.log(`${what}: ok (${typeof r === 'number' ? r : 'done'})`);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ErrnoError)) throw e;
    console.log(`${what}: ${e.code}`);
    return e.code;
  }
}

const to = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });
const hello = nlmsg({ type: NLMSG_MIN_TYPE, payload: new TextEncoder().encode('hello') });

// netlink_sendmsg's first checks, in the kernel's order, made by user nobody (uid 65534) on
// NETLINK_ROUTE: the flags, the length, the control messages, the address, then the permission.
// (Spawned before this process opens a socket: the simulator's child would share its parent's
// open sockets, a child of real Linux spawned with a uid starts with none.)
await waitpid(await spawn(async () => {
  const route = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await attempt('MSG_OOB', () => sendto(route, hello, MSG_OOB, to(0)));
  await attempt('zero bytes', () => sendto(route, new Uint8Array(0), 0, to(0)));
  const shortCreds = { cmsg_level: SOL_SOCKET, cmsg_type: SCM_CREDENTIALS, data: new Uint8Array(4) }; // a struct ucred is 12
  await attempt('a 4-byte SCM_CREDENTIALS', () => sendmsg(route, { msg_name: to(0), msg_iov: [hello], msg_control: [shortCreds] }));
  await attempt('an 8-byte address', () => sendto(route, hello, 0, new Uint8Array(8)));
  // A well-formed address at last, but NETLINK_ROUTE lets only CAP_NET_ADMIN name a port or a group.
  await attempt('uid 65534, NETLINK_ROUTE to port 4242', () => sendto(route, hello, 0, to(4242)));
  await close(route);
}, { uid: 65534, name: 'nobody' }));

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);

// 1. netlink_unicast finds nobody at the port: ECONNREFUSED.
await attempt('to port 4242, which nobody holds', () => sendto(fd, hello, 0, to(4242)));

// 2. No address: netlink_sendmsg takes the connected peer (nlk->dst_portid) as the destination.
await connect(fd, to(4242));
await attempt('no address, connected to 4242', () => sendto(fd, hello));
await connect(fd, { nl_family: 0, nl_pid: 0, nl_groups: 0 }); // AF_UNSPEC: disconnect

// 3. A datagram must fit in sk_sndbuf - 32 bytes: EMSGSIZE.
await setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 4096);
const sndbuf = (await getsockopt(fd, SOL_SOCKET, SO_SNDBUF)) as number;
await attempt(`${sndbuf - 32} bytes with sk_sndbuf ${sndbuf}`, () => sendto(fd, new Uint8Array(sndbuf - 32), 0, to(4242)));
await attempt(`${sndbuf - 31} bytes with sk_sndbuf ${sndbuf}`, () => sendto(fd, new Uint8Array(sndbuf - 31), 0, to(4242)));

// 4. A receiver whose queue is full: netlink_attachskb says EAGAIN to a sender that will not wait.
const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, to(200));
await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1); // the minimum: 2304 bytes
let sent = 0;
while ((await attempt(`datagram ${sent + 1} to port 200`, () => sendto(fd, hello, MSG_DONTWAIT, to(200)))) === 'ok') sent++;
console.log(`port 200 queued ${sent} datagrams before its queue was full`);

// 5. Multicast to a full receiver: do_one_broadcast cannot deliver, the receiver learns it once.
const listener = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(listener, to(300, 1 << 0)); // group 1
await setsockopt(listener, SOL_SOCKET, SO_RCVBUF, 1);
for (let i = 0; i < 4; i++) {
  // The broadcast is delivered, then netlink_sendmsg also unicasts to port 0, where
  // NETLINK_USERSOCK has no kernel socket: the sender hears ECONNREFUSED either way.
  await attempt(`multicast ${i + 1} to group 1`, () => sendto(fd, hello, 0, to(0, 1)));
}
const buf = new Uint8Array(256);
for (let i = 0; i < 4; i++) {
  if ((await attempt(`listener's receive ${i + 1}`, () => recvfrom(listener, buf, MSG_DONTWAIT).then((r) => r.n))) === 'EAGAIN') break;
}

await close(listener);
await close(rx);
await close(fd);
