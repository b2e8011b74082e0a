/**
 * One question — "is the DOC_EXMPL family there yet?" — asked two ways, through procfs and through
 * netlink, before and after the module that provides it is loaded. So far the program only asks;
 * the exercise is to let the kernel tell it.
 */
import { readFile, insmod, genl_socket, genl_ctrl_resolve, ErrnoError, type GenlFamily } from 'netlink-lab/user';
import doc_exmpl from './module.ts';

/** procfs: the kernel prints a table when the file is read; the module's name is the first column. */
async function inProcModules(name: string): Promise<string> {
  const text = await readFile('/proc/modules');
  return text.split('\n').some((line) => line.split(' ')[0] === name) ? 'listed' : 'not listed';
}

/** A family in one line, e.g. "DOC_EXMPL id 19, group DOC_EXMPL_GRP id 2"; each kernel allocates its own ids. */
function describe(f: GenlFamily): string {
  return [`${f.name} id ${f.id}`, ...[...f.groups].map(([name, id]) => `group ${name} id ${id}`)].join(', ');
}

/** netlink: a request to nlctrl, answered by a structured message or by an errno. */
async function getFamily(fd: number, name: string): Promise<string> {
  try {
    return describe(await genl_ctrl_resolve(fd, name));
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

const fd = await genl_socket();
console.log(`procfs:  doc_exmpl ${await inProcModules('doc_exmpl')} in /proc/modules`);
console.log(`netlink: GETFAMILY DOC_EXMPL → ${await getFamily(fd, 'DOC_EXMPL')}`);

// 1. Subscribe here, on a socket of its own, to nlctrl's multicast group "notify".

// The change. Here the program loads the module itself; on a real system it would be modprobe in
// another terminal, or udev reacting to new hardware, at a moment nobody tells you about.
await insmod(doc_exmpl);

// 2. Receive here what the kernel announced on the group, and print it.

// A pull interface shows a change only to those who ask again.
console.log(`procfs:  doc_exmpl ${await inProcModules('doc_exmpl')} in /proc/modules`);
console.log(`netlink: GETFAMILY DOC_EXMPL → ${await getFamily(fd, 'DOC_EXMPL')}`);
