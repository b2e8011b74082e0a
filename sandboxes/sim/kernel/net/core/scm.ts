/**
 * The control messages of sendmsg. sim: the host reads and checks them (it has the msghdr and owns
 * the process's credentials), and hands the kernel its verdict in an scm_control.
 *
 * Models Linux 6.18: net/core/scm.c
 */
import { socket } from '../../include/linux/net';
import { scm_cookie } from '../../include/net/scm';

/**
 * sim: msg->msg_control as the kernel is given it: the host walked the control messages as
 * __scm_send does (CMSG_OK, SOL_SOCKET only, SCM_RIGHTS refused outside AF_UNIX, SCM_CREDENTIALS
 * of CMSG_LEN(sizeof(struct ucred)) that pass scm_check_creds) and wrote what it found here.
 */
@unmanaged export class scm_control {
  /** What __scm_send returns: 0, or -EINVAL / -EPERM for the first control message it refused. */
  err: i32;
  /** Non-zero when an SCM_CREDENTIALS message was accepted: the struct ucred below is the last one. */
  has_creds: i32;
  pid: i32;
  uid: u32;
  gid: u32;
}

/**
 * Apply the control messages of a sendmsg to `scm`. Returns 0 or -errno.
 * Ref: __scm_send (sim: the parsing and scm_check_creds were done by the host; see scm_control)
 */
export function __scm_send(sock: socket, control: usize, p: scm_cookie): i32 {
  const c = changetype<scm_control>(control);
  if (c.err) return c.err;
  if (c.has_creds) {
    p.creds.pid = <u32>c.pid;
    p.creds.uid = c.uid;
    p.creds.gid = c.gid;
  }
  return 0;
}
