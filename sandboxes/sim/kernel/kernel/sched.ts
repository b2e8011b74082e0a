/**
 * Tasks as the netlink code sees them: who is `current` (its tgid, uid and comm), and whether it
 * may act as root. The host's scheduler decides who runs and tells us with sched_switch().
 *
 * Ref: include/linux/sched.h (struct task_struct), kernel/capability.c (capable)
 *
 * Models Linux 6.18: include/linux/sched.h, kernel/capability.c
 */

/** struct task_struct, the part we need. */
export class task_struct {
  constructor(public pid: i32, public uid: u32, public comm: string) {}
  /** Kernel-to-kernel netlink deliveries since this task last entered a syscall (a runaway chain is cut: see netlink_unicast_kernel). */
  nl_deliveries: i32 = 0;
  /** Set when the watchdog cut this task's runaway chain; the host reads and clears it. */
  lockup: bool = false;
}

/** The idle task: what runs when no process does (module init from outside, boot). */
export const init_task = new task_struct(0, 0, 'swapper/0');

/** The task on the CPU. Ref: include/asm-generic/current.h */
export let current: task_struct = init_task;

const tasks = new Map<i32, task_struct>();

/** sim: A new process (fork+exec), made by the host's spawn. */
export function task_create(pid: i32, uid: u32, comm: string): void {
  tasks.set(pid, new task_struct(pid, uid, comm));
}

/** sim: The process ended. */
export function task_exit(pid: i32): void {
  if (tasks.has(pid)) tasks.delete(pid);
  if (current.pid == pid) current = init_task;
}

/** sim: Put `pid` on the CPU (0: the idle task). Ref: kernel/sched/core.c:context_switch */
export function sched_switch(pid: i32): void {
  current = tasks.has(pid) ? tasks.get(pid) : init_task;
}

/** task_tgid_vnr(current): our processes are single-threaded, so the tgid is the pid. */
export function task_tgid_vnr(): i32 { return current.pid; }

/** capable(cap): root has every capability, other uids none (the initial user namespace). */
export function capable(cap: i32): bool { return current.uid == 0; }
