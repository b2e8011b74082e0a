/**
 * mychrdev: a character device with read, write, ioctl and mmap. The TypeScript twin of
 * sandboxes/vm/modules/mychrdev.c: /dev/mychrdev, whose contents live in one page of kernel memory
 * that read() and write() copy and mmap() maps.
 */
import {
  defineModule, THIS_MODULE, misc_register, misc_deregister, get_zeroed_page, virt_to_phys, remap_pfn_range,
  simple_read_from_buffer, simple_write_to_buffer, copy_to_user, default_llseek,
  MISC_DYNAMIC_MINOR, MISC_MAJOR, PAGE_SIZE, PAGE_SHIFT, EFAULT, EINVAL, ENOTTY, ENOSPC, pr_info,
  type file_operations, type miscdevice, type file, type vm_area_struct, type user_ptr, type loff_t, type Ptr,
} from 'netlink-lab/kernel';
import { _IO, _IOR } from 'netlink-lab/user';

/** struct mychrdev_info { __u32 len; __u32 size; }: 8 bytes, little endian. */
const MYCHRDEV_INFO_SIZE = 8;
export const MYCHRDEV_GET_INFO = _IOR('m', 1, MYCHRDEV_INFO_SIZE);
export const MYCHRDEV_TRIM = _IO('m', 2);

let mychrdev_page: Uint8Array = new Uint8Array(0);
let mychrdev_len = 0;

function mychrdev_read(_file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): number {
  return simple_read_from_buffer(buf, count, ppos, mychrdev_page, mychrdev_len);
}

function mychrdev_write(_file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): number {
  if (ppos.value >= PAGE_SIZE) return -ENOSPC;
  const ret = simple_write_to_buffer(mychrdev_page, PAGE_SIZE, ppos, buf, count);
  if (ret > 0) mychrdev_len = ppos.value; // the contents end where this write ended
  return ret;
}

function mychrdev_ioctl(_file: file, cmd: number, arg: number): number {
  switch (cmd) {
    case MYCHRDEV_GET_INFO: {
      const info = new Uint8Array(MYCHRDEV_INFO_SIZE);
      const v = new DataView(info.buffer);
      v.setUint32(0, mychrdev_len, true);
      v.setUint32(4, PAGE_SIZE, true);
      if (copy_to_user(arg, info, info.length)) return -EFAULT;
      return 0;
    }
    // MYCHRDEV_TRIM: not written yet.
    default:
      return -ENOTTY; // "not an ioctl of this device"
  }
}

function mychrdev_mmap(_file: file, vma: vm_area_struct): number {
  const size = vma.vm_end - vma.vm_start;
  if (vma.vm_pgoff !== 0 || size > PAGE_SIZE) return -EINVAL;
  return remap_pfn_range(vma, vma.vm_start, virt_to_phys(mychrdev_page) >> PAGE_SHIFT, size, vma.vm_page_prot);
}

const mychrdev_fops: file_operations = {
  owner: THIS_MODULE, // the module stays loaded while the file is open
  read: mychrdev_read,
  write: mychrdev_write,
  unlocked_ioctl: mychrdev_ioctl,
  mmap: mychrdev_mmap,
  llseek: default_llseek,
};

const mychrdev_dev: miscdevice = {
  minor: MISC_DYNAMIC_MINOR,
  name: 'mychrdev',
  fops: mychrdev_fops,
};

export default defineModule({
  name: 'mychrdev',
  description: 'a misc device with read, write, ioctl and mmap of one page',
  init() {
    mychrdev_page = get_zeroed_page();
    mychrdev_len = 0;
    const err = misc_register(mychrdev_dev);
    if (err) return err;
    pr_info(`mychrdev: /dev/mychrdev is misc ${MISC_MAJOR}:${mychrdev_dev.minor}`);
    return 0;
  },
  exit() {
    misc_deregister(mychrdev_dev);
  },
});
