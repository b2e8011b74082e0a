/**
 * The poll of datagram sockets, which netlink_ops uses as its own.
 *
 * Models Linux 6.18: net/core/datagram.c
 */
import { socket } from '../../include/linux/net';
import { EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLRDNORM, EPOLLWRNORM, EPOLLWRBAND } from '../../include/uapi/linux/eventpoll';

/**
 * What poll() sees on a datagram socket. sim: the host's poll sleeps on the socket itself (no
 * poll_wait), and shutdown is not modelled. Ref: net/core/datagram.c:datagram_poll
 */
export function datagram_poll(sock: socket): i32 {
  const sk = sock.sk!;
  let mask = 0;
  if (sk.sk_err) mask |= EPOLLERR;
  if (sk.sk_receive_queue.qlen > 0) mask |= EPOLLIN | EPOLLRDNORM;
  // sock_writeable: netlink sends never queue on the sender, so it is always writable.
  mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
  return mask;
}
