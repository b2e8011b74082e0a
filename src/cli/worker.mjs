// Worker-thread entry for `netlink-lab run`: TypeScript loading is per thread, so register tsx here
// before loading the runner (src/cli/run-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./run-worker.ts');
