/**
 * Socket control messages on the sending side: the cookie scm_send fills from the sender's
 * credentials and its msghdr's control messages, which netlink_sendmsg copies into
 * NETLINK_CB(skb).creds.
 *
 * Models Linux 6.18: include/net/scm.h
 */
import { socket } from '../linux/net';
import { current, task_tgid_vnr } from '../../kernel/sched';
import { __scm_send } from '../../net/core/scm';

/** INVALID_UID / INVALID_GID: (uid_t)-1. Ref: include/linux/uidgid.h */
const INVALID_UID: u32 = 0xffffffff;
const INVALID_GID: u32 = 0xffffffff;

/** Ref: include/net/scm.h:struct scm_creds */
export class scm_creds {
  pid: u32 = 0;
  uid: u32 = 0;
  gid: u32 = 0;
}

/**
 * Ref: include/net/scm.h:struct scm_cookie. sim: only creds; no struct pid reference (pids are
 * numbers here), no passed files (SCM_RIGHTS is AF_UNIX's) and no security id.
 */
export class scm_cookie {
  readonly creds: scm_creds = new scm_creds();
}

/** Ref: scm_set_cred. sim: `pid` is the number pid_vnr would give; no reference is taken. */
export function scm_set_cred(scm: scm_cookie, pid: i32, uid: u32, gid: u32): void {
  scm.creds.pid = <u32>pid;
  scm.creds.uid = uid;
  scm.creds.gid = gid;
}

/**
 * Fill `scm` for a sendmsg: the sender's own credentials when `forcecreds`, then what its
 * control messages say. Returns 0 or the -errno __scm_send found. `control` stands for
 * msg->msg_control (sim: the host's reading of it, an scm_control; 0 when msg_controllen is 0).
 * Ref: scm_send
 */
export function scm_send(sock: socket, control: usize, scm: scm_cookie, forcecreds: bool): i32 {
  // memset(scm, 0, sizeof(*scm))
  scm.creds.pid = 0;
  scm.creds.uid = INVALID_UID;
  scm.creds.gid = INVALID_GID;
  // sim: a task's gid is its uid (the host's processes have one id for both).
  if (forcecreds) scm_set_cred(scm, task_tgid_vnr(), current.uid, current.uid);
  if (!control) return 0;
  return __scm_send(sock, control, scm);
}
