/** The libraries a program may import by name, as the browser playground offers them. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Libraries } from '../runtime/program.ts';

/** 'netlink-lab/user' always; 'netlink-lab/kernel' once src/api/kernel.ts exists. */
export async function programLibraries(): Promise<Libraries> {
  const libs: Libraries = { 'netlink-lab/user': await import('../api/user.ts') };
  const kernelApi = join(dirname(fileURLToPath(import.meta.url)), '..', 'api', 'kernel.ts');
  if (existsSync(kernelApi)) libs['netlink-lab/kernel'] = await import(/* @vite-ignore */ kernelApi);
  return libs;
}
