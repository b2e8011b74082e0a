/**
 * relay_exam: debugfs and relay. The TypeScript twin of sandboxes/vm/modules/relay_exam.c. In
 * /sys/kernel/debug/relay_exam: `records` (how many records were written), `emit` (write N to make
 * the module write N records) and the relay channel's per-CPU files cpu0, cpu1, ….
 */
import {
  defineModule, THIS_MODULE, debugfs_create_dir, debugfs_create_file, debugfs_create_u32, debugfs_remove,
  relay_open, relay_write, relay_close, relay_file_operations, strndup_user, kstrtouint, sprintf,
  EINVAL, ENOMEM,
  type dentry, type rchan, type rchan_buf, type rchan_callbacks, type file_operations, type file,
  type user_ptr, type loff_t, type umode_t, type Ptr,
} from 'netlink-lab/kernel';

const RELAY_EXAM_SUBBUF_SIZE = 64;
const RELAY_EXAM_N_SUBBUFS = 4;
const RELAY_EXAM_RECORD = 16;

let relay_exam_dir: dentry | null = null;
let relay_exam_chan: rchan | null = null;
const relay_exam_records: Ptr<number> = { value: 0 };

/** Where relay puts one CPU's buffer. */
function relay_exam_create_buf_file(_filename: string, _parent: dentry | null, _mode: umode_t, _buf: rchan_buf, _is_global: Ptr<number>): dentry | null {
  return null; // not written yet
}

function relay_exam_remove_buf_file(d: dentry): number {
  debugfs_remove(d);
  return 0;
}

const relay_exam_cb: rchan_callbacks = {
  create_buf_file: relay_exam_create_buf_file,
  remove_buf_file: relay_exam_remove_buf_file,
};

/** Writing N to `emit`: N records of 16 bytes into the channel, numbered on from the last. */
function relay_exam_emit(_file: file, ubuf: user_ptr, count: number, _ppos: Ptr<loff_t>): number {
  const text = strndup_user(ubuf, count);
  if (typeof text === 'number') return text;
  const n: Ptr<number> = { value: 0 };
  const err = kstrtouint(text, 0, n);
  if (err) return err;
  if (n.value < 1 || n.value > 1000) return -EINVAL;
  for (let i = 0; i < n.value; i++) {
    const rec = sprintf('record %8u\n', ++relay_exam_records.value);
    relay_write(relay_exam_chan!, new TextEncoder().encode(rec).subarray(0, RELAY_EXAM_RECORD));
  }
  return count;
}

const relay_exam_emit_fops: file_operations = { owner: THIS_MODULE, write: relay_exam_emit };

export default defineModule({
  name: 'relay_exam',
  description: 'debugfs files and a relay channel in /sys/kernel/debug/relay_exam',
  init() {
    relay_exam_dir = debugfs_create_dir('relay_exam', null);
    relay_exam_chan = relay_open('cpu', relay_exam_dir, RELAY_EXAM_SUBBUF_SIZE, RELAY_EXAM_N_SUBBUFS, relay_exam_cb, null);
    if (!relay_exam_chan) {
      debugfs_remove(relay_exam_dir);
      return -ENOMEM;
    }
    debugfs_create_u32('records', 0o400, relay_exam_dir, relay_exam_records);
    debugfs_create_file('emit', 0o200, relay_exam_dir, null, relay_exam_emit_fops);
    return 0;
  },
  exit() {
    relay_close(relay_exam_chan!);
    debugfs_remove(relay_exam_dir);
  },
});
