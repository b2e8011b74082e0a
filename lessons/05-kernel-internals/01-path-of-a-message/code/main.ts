/**
 * Walk a message down af_netlink.c's send path and make each check refuse it, in the order the
 * kernel makes them. Every line printed is one syscall and the errno Linux gave it. The first five
 * checks are done; the numbered steps are the exercise.
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

// 1. Send `hello` to a port nobody holds (say 4242): netlink_unicast finds no receiver.
//
// 2. connect() the socket to port 4242 and send `hello` with no address at all: where does
//    netlink_sendmsg take the destination from? Disconnect afterwards (connect with AF_UNSPEC, 0).
//
// 3. Make the socket's send buffer small (setsockopt SO_SNDBUF 4096; read back what the kernel
//    made of it with getsockopt), then send a datagram of sk_sndbuf - 32 bytes and one byte more.
//
// 4. Open a second socket, bind it to port 200 and give it the smallest receive buffer
//    (SO_RCVBUF 1). Send it `hello` with MSG_DONTWAIT until the kernel refuses: how many fit?
//
// 5. Open a listener bound to port 300 in group 1, with the smallest receive buffer too. Send
//    `hello` to group 1 four times (nl_pid 0, nl_groups 1), then receive on the listener with
//    MSG_DONTWAIT until EAGAIN. What does the sender hear, and what does the listener read first?

await close(fd);
