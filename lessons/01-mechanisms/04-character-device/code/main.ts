/**
 * A character device from both sides: the program writes to /dev/mychrdev, maps the module's page,
 * asks the driver for its info and to trim its contents with ioctl, and reads again. The module's
 * ioctl handler does not know MYCHRDEV_TRIM yet.
 */
import {
  insmod, rmmod, open, read, write, lseek, ioctl, mmap, munmap, close, ErrnoError, _IO, _IOC_SIZE,
  O_RDWR, SEEK_SET, PROT_READ, MAP_SHARED, PAGE_SIZE,
} from 'netlink-lab/user';
import mychrdev, { MYCHRDEV_GET_INFO, MYCHRDEV_TRIM } from './module.ts';

/** How a call ended: its result, or the errno's name. */
async function attempt<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

const text = (b: Uint8Array) => JSON.stringify(new TextDecoder().decode(b));
/** The page's text up to its first NUL. */
const upToNul = (b: Uint8Array) => { const i = b.indexOf(0); return b.subarray(0, i < 0 ? b.length : i); };

await insmod(mychrdev);
const fd = await open('/dev/mychrdev', O_RDWR);

// write(2) copies into the module's page (copy_from_user); mmap(2) maps that page itself.
console.log(`write: ${await write(fd, new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz'))}`);
const map = await mmap(fd, PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
console.log(`mmap view: ${text(upToNul(await map.read(0, 64)))}`);

// ioctl(2): the driver's own commands, numbered with _IOR/_IO like uapi headers do.
const info = new Uint8Array(_IOC_SIZE(MYCHRDEV_GET_INFO));
console.log(`ioctl GET_INFO: ${await attempt(() => ioctl(fd, MYCHRDEV_GET_INFO, info))}`);
const v = new DataView(info.buffer);
console.log(`  len ${v.getUint32(0, true)}, size ${v.getUint32(4, true)}`);
console.log(`ioctl GET_INFO with a NULL pointer: ${await attempt(() => ioctl(fd, MYCHRDEV_GET_INFO, 0))}`);
console.log(`ioctl _IO('m', 99): ${await attempt(() => ioctl(fd, _IO('m', 99), 0))}`);
console.log(`ioctl TRIM 100: ${await attempt(() => ioctl(fd, MYCHRDEV_TRIM, 100))}`);
console.log(`ioctl TRIM 5: ${await attempt(() => ioctl(fd, MYCHRDEV_TRIM, 5))}`);

// The page changed inside the kernel; the mapping shows it without a system call.
console.log(`mmap view: ${text(upToNul(await map.read(0, 64)))}`);
await lseek(fd, 0, SEEK_SET);
const buf = new Uint8Array(64);
console.log(`read: ${text(buf.subarray(0, await read(fd, buf)))}`);

console.log(`mmap of two pages: ${await attempt(async () => (await mmap(fd, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0)).addr)}`);
await munmap(map);
await close(fd);
await rmmod('mychrdev');
