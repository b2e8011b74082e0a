/**
 * Open files and the per-process descriptor tables: one number space for sockets and files.
 * A socket's file holds its struct socket; any other file (procfs, sysfs, debugfs, a character device)
 * is a `struct file` of the host's VFS (sandboxes/sim/host/fs), held here by its id, so fork's
 * sharing, close and exit work the same for both, and the host's release runs on the last fput.
 *
 * Ref: fs/file.c (alloc_fd, fd_install, close_fd, dup_fd), fs/file_table.c (fput)
 *
 * Models Linux 6.18: fs/file.c
 */
import { socket } from '../include/linux/net';
import { EBADF, ENOTSOCK, EMFILE } from '../include/uapi/asm-generic/errno';
import { current } from '../kernel/sched';

/** sysctl fs.nr_open's default: the most descriptors a process may have. */
export const NR_OPEN: i32 = 1024;

/** sim: called on the last fput of a host file: its f_op->release runs there, on the host. */
@external("env", "file_release_host")
declare function file_release_host(id: i32): void;

/** An open file: a socket, or a host VFS file; shared by the fd tables of a parent and its children. */
export class file {
  /** How many fd table slots refer to it (struct file's f_count). */
  refs: i32 = 1;
  /** The socket (file->private_data; null for a host file). */
  sock: socket | null = null;
  /** The host VFS file's id (0 for a socket). */
  host: i32 = 0;
  nonblock: bool = false;
}

/** Drop one reference; the last one closes the socket or releases the host file. Ref: fs/file_table.c:fput */
export function fput(f: file): i32 {
  if (--f.refs > 0) return 0;
  // sock_close → __sock_release: the protocol's release.
  const sock = f.sock;
  if (sock != null) return sock.ops!.release(sock);
  if (f.host) file_release_host(f.host);
  return 0;
}

/** struct files_struct per process. */
const files = new Map<i32, Array<file | null>>();

// The last table looked up: syscalls of one process come in runs.
let last_pid: i32 = -1;
let last_table: Array<file | null> | null = null;

/** sim: the current process's descriptor table (Linux: current->files->fdt), cached for the last pid. */
export function fdtable(): Array<file | null> {
  const pid = current.pid;
  const lt = last_table;
  if (pid == last_pid && lt != null) return lt;
  if (!files.has(pid)) {
    const t = new Array<file | null>(3);
    files.set(pid, t);
  }
  const t = files.get(pid);
  last_pid = pid;
  last_table = t;
  return t;
}

/** Why the last fdget failed (-EBADF, -ENOTSOCK). */
export let bad_fd: i32 = 0;

/** The socket file behind fd, or null (bad_fd says why). Ref: net/socket.c:sockfd_lookup_light */
export function fdget(fd: i32): file | null {
  const t = fdtable();
  if (fd < 0 || fd >= t.length) { bad_fd = -EBADF; return null; }
  const f = unchecked(t[fd]);
  // fds 0–2 are the terminal: not sockets.
  if (f == null) { bad_fd = fd <= 2 ? -ENOTSOCK : -EBADF; return null; }
  if (f.sock == null) { bad_fd = -ENOTSOCK; return null; }
  return f;
}

/** The lowest free descriptor, or -EMFILE. Ref: fs/file.c:alloc_fd */
export function alloc_fd(): i32 {
  const t = fdtable();
  let fd = 3;
  while (fd < t.length && unchecked(t[fd]) != null) fd++;
  if (fd >= NR_OPEN) return -EMFILE;
  return fd;
}

/** Put f at fd (from alloc_fd). Ref: fs/file.c:fd_install */
export function fd_install(fd: i32, f: file): void {
  const t = fdtable();
  if (fd == t.length) t.push(f);
  else {
    while (t.length < fd) t.push(null);
    unchecked(t[fd] = f);
  }
}

/** A child starts with its parent's open files, like fork(). Ref: kernel/fork.c:dup_fd */
export function dup_fd(parent: i32, child: i32): void {
  if (!files.has(parent)) return;
  const t = files.get(parent);
  const n = new Array<file | null>(t.length);
  for (let i = 0; i < t.length; i++) {
    const f = unchecked(t[i]);
    if (f != null) f.refs++;
    unchecked(n[i] = f);
  }
  files.set(child, n);
}

/** Ref: fs/file.c:close_fd */
export function sys_close(fd: i32): i32 {
  const t = fdtable();
  if (fd < 0 || fd >= t.length || unchecked(t[fd]) == null) return -EBADF;
  const f = unchecked(t[fd])!;
  unchecked(t[fd] = null);
  return fput(f);
}

/** Close every file of an exiting process. Ref: kernel/exit.c:exit_files */
export function exit_files(pid: i32): void {
  if (!files.has(pid)) return;
  const t = files.get(pid);
  files.delete(pid);
  if (last_pid == pid) { last_pid = -1; last_table = null; }
  for (let i = 0; i < t.length; i++) {
    const f = unchecked(t[i]);
    if (f != null) fput(f);
  }
}

/** sim: Which fd of process `pid` holds socket `id` (-1 if none), for state(). */
export function fd_of_sock(pid: i32, id: i32): i32 {
  if (!files.has(pid)) return -1;
  const t = files.get(pid);
  for (let i = 0; i < t.length; i++) {
    const f = unchecked(t[i]);
    if (f != null) {
      const sock = f.sock;
      if (sock != null && sock.sk!.id == id) return i;
    }
  }
  return -1;
}

/**
 * sim: Install the host file `id` at the lowest free descriptor (the host's do_filp_open succeeded);
 * -EMFILE when the table is full (the host then releases it). Ref: fs/open.c:do_sys_openat2
 */
export function sys_fd_install_host(id: i32, nonblock: bool): i32 {
  const fd = alloc_fd();
  if (fd < 0) return fd;
  const f = new file();
  f.host = id;
  f.nonblock = nonblock;
  fd_install(fd, f);
  return fd;
}

/** sim: What fd is: the host file's id (> 0), 0 for a socket, or -EBADF. */
export function sys_fd_host(fd: i32): i32 {
  const t = fdtable();
  if (fd < 0 || fd >= t.length) return -EBADF;
  const f = unchecked(t[fd]);
  if (f == null) return -EBADF;
  return f.host;
}
