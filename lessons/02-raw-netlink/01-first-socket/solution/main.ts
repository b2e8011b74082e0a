/**
 * Ask for protocol 25 before anyone registered it, then say hello to nl_test on protocol 25,
 * collect its ten replies, and watch a second process fail to bind the port this one holds.
 */
import {
  socket, bind, sendmsg, recvfrom, close, spawn, waitpid, now, insmod,
  AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE, MSG_DONTWAIT,
  nlmsg, bytes, cstring, NLMSG_DATA, ErrnoError,
} from 'netlink-lab/user';
import nl_test from './module.ts';

const MY_PORT = 100;

// Before the module loads, nothing in the kernel owns protocol 25.
try {
  await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
  console.log('protocol 25 before insmod: a socket (unexpected!)');
} catch (e) {
  console.log(`protocol 25 before insmod: ${(e as Error).message}`);
}

await insmod(nl_test);

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: MY_PORT, nl_groups: 0 }); // A: my mailbox

const hello = nlmsg({
  type: NLMSG_MIN_TYPE,
  pid: MY_PORT, // C: the return address the module replies to
  payload: bytes('Hello you!', true),
});
const kernel = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 }; // B: port 0 is the kernel

const start = now();
await sendmsg(fd, { msg_name: kernel, msg_iov: [hello] });
console.log(`sendmsg returned after ${((now() - start) / 1000).toFixed(0)} s`);

// The replies were queued while sendmsg waited: read until the queue is empty.
const buf = new Uint8Array(1024);
for (;;) {
  try {
    const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
    console.log(`${n} bytes: ${cstring(NLMSG_DATA(buf))}`);
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
}

// Another process wants port 100 of protocol 25 while we still hold it.
const other = await spawn(async () => {
  const fd2 = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
  try {
    await bind(fd2, { nl_family: AF_NETLINK, nl_pid: MY_PORT, nl_groups: 0 });
    console.log('second process: bound port 100 (unexpected!)');
  } catch (e) {
    console.log(`second process: ${(e as Error).message}`);
  } finally {
    await close(fd2);
  }
}, { name: 'second' });
await waitpid(other);

await close(fd);
