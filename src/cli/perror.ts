/** How the CLI reports a program's uncaught error, like C's perror(3) followed by exit(1). */
import { ErrnoError, errnoName, strerror } from '../api/errno.ts';
import { ProgramError } from '../runtime/program.ts';

/** The line(s) to print for an error that escaped a program's process. */
export function describeUncaught(e: unknown): string {
  if (
    e instanceof ErrnoError ||
    (e instanceof Error && e.name === 'ErrnoError' && typeof (e as ErrnoError).errno === 'number')
  ) {
    const err = e as ErrnoError;
    const line = `${err.syscall}: ${strerror(err.errno)}`;
    // A backend may explain more than perror can (e.g. why a module cannot load here).
    const plain = `${err.syscall}: ${errnoName(err.errno)} (${strerror(err.errno)})`;
    return err.message && err.message !== plain ? `${line}\n  ${err.message}` : line;
  }
  if (e instanceof ProgramError) return e.message;
  if (e instanceof Error) return `uncaught ${e.stack ?? `${e.name}: ${e.message}`}`;
  return `uncaught exception: ${String(e)}`;
}
