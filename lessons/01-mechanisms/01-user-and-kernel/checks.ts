/**
 * Lesson "User space and the kernel": the program loaded hello (init_module succeeded), unloaded
 * it (delete_module succeeded, which needs the module to have an exit function), and printed that
 * /proc/modules listed it after the load and no longer after the unload.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const how = (e: SyscallEvent) => (e.errno !== undefined ? `failed with ${errnoName(e.errno)}` : `returned ${e.ret}`);

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const load = events.find((e) => e.syscall === 'init_module');
  const unload = events.find((e) => e.syscall === 'delete_module');
  const lines = output.split('\n');
  const afterLoad = lines.find((l) => l.startsWith('after load:'));
  const afterRmmod = lines.find((l) => l.startsWith('after rmmod:'));

  return [
    {
      name: 'init_module loads hello',
      pass: !!load && load.errno === undefined,
      message: load
        ? `init_module ${how(load)}${load.errno === undefined ? ": the module's init ran inside that system call and returned 0." : ". The kernel passes on what the module's init returned."}`
        : 'The program never called init_module (insmod).',
      hints: [
        'The module has to load first: insmod(hello) makes the init_module system call.',
        'A negative number returned by init() becomes the errno of init_module; 0 means "loaded".',
      ],
    },
    {
      name: 'delete_module unloads hello',
      pass: !!unload && unload.errno === undefined,
      message: unload
        ? unload.errno === undefined
          ? "delete_module returned 0: the kernel ran the module's exit and freed it."
          : `delete_module ${how(unload)}: the kernel refused to unload the module and it is still loaded.`
        : 'The program never called delete_module (rmmod).',
      hints: [
        'The kernel refuses to unload some modules. Nothing is wrong with the program: look at the module.',
        'kernel/module/main.c, delete_module(): "If it has an init func, it must have an exit func to unload". Compare the module with the C twin, hello.c: module_init and module_exit.',
        'Give the module an exit() next to its init() in defineModule({ … }) — it runs inside delete_module; a pr_info("hello: unloaded") is enough.',
      ],
    },
    {
      name: '/proc/modules shows the change',
      pass:
        !!afterLoad &&
        / listed/.test(afterLoad) &&
        !/not listed/.test(afterLoad) &&
        !!afterRmmod &&
        /not listed/.test(afterRmmod),
      message:
        afterLoad && afterRmmod
          ? `The program printed "${afterLoad.trim()}" and "${afterRmmod.trim()}".`
          : 'The program did not print the "after load:" and "after rmmod:" lines of the starting code.',
      hints: [
        'After a successful rmmod the kernel no longer lists the module; until then it does.',
        "Keep the starting code's lines: they read /proc/modules after each step.",
      ],
    },
  ];
}
