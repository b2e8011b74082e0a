/**
 * Socket buffers: real byte buffers in linear memory, with Linux's sizes and accounting.
 *
 * An sk_buff is an unmanaged struct (freed explicitly, never by the garbage collector), so the host
 * can hold its address across calls. Its data area is a separate allocation rounded up to the
 * kmalloc bucket Linux would use, followed by the space skb_shared_info takes (whose first word
 * here is the data reference count shared by clones). truesize is what Linux charges to sk_rmem_alloc.
 *
 * Models Linux 6.18: net/core/skbuff.c, include/linux/skbuff.h
 */
import { tracing, trace_enter, tr_void } from '../../kernel/trace';

/** sizeof(struct skb_shared_info), cache-line aligned, on x86-64. */
export const SKB_SHINFO_SIZE: i32 = 320;
/** SKB_DATA_ALIGN(sizeof(struct sk_buff)) on x86-64. */
export const SKB_STRUCT_SIZE: i32 = 256;
export const PAGE_SIZE: i32 = 4096;

/** SKB_DATA_ALIGN: round up to the 64-byte cache line. */
// @ts-ignore: decorator
@inline export function SKB_DATA_ALIGN(x: i32): i32 { return (x + 63) & ~63; }
/** SKB_WITH_OVERHEAD: the usable data in an allocation of x bytes. */
// @ts-ignore: decorator
@inline export function SKB_WITH_OVERHEAD(x: i32): i32 { return x - SKB_SHINFO_SIZE; }
/** SKB_TRUESIZE: what an skb with x bytes of data costs its socket. */
// @ts-ignore: decorator
@inline export function SKB_TRUESIZE(x: i32): i32 { return x + SKB_STRUCT_SIZE + SKB_SHINFO_SIZE; }

/** The size kmalloc really hands out for a request. Ref: mm/slab_common.c:kmalloc_size_roundup */
export function kmalloc_size_roundup(size: i32): i32 {
  if (size <= 8) return 8;
  if (size <= 96 && size > 64) return 96;
  if (size <= 192 && size > 128) return 192;
  if (size <= 8192) return <i32>(1 << (32 - clz<u32>(<u32>size - 1)));
  // kmalloc_large: whole pages, a power-of-two number of them.
  return <i32>(1 << (32 - clz<u32>(<u32>size - 1)));
}

/** Live sk_buff structs: a leak shows as a count that does not return to its baseline. */
export let skb_live: i32 = 0;

/**
 * struct sk_buff, with the netlink control block (struct netlink_skb_parms, NETLINK_CB) inline.
 * Offsets into the data are kept as in Linux: head ≤ data ≤ tail ≤ end.
 */
@unmanaged export class sk_buff {
  /** Queue links (struct sk_buff_head). */
  next: usize;
  prev: usize;
  /** Start of the allocation, start of the data, and offsets of tail and end from head. */
  head: usize;
  data: usize;
  tail: u32;
  end: u32;
  /** Bytes of data. */
  len: u32;
  truesize: u32;
  /** References to this struct (skb_get / kfree_skb). */
  users: i32;
  /** Id of the socket whose sk_rmem_alloc this skb is charged to (0: none). Ref: skb->sk */
  sk: i32;
  // ---- NETLINK_CB(skb): struct netlink_skb_parms ----
  /** Sender's port id. */
  portid: u32;
  /** Destination group (not a mask), 0 for unicast. */
  dst_group: u32;
  /** NETLINK_SKB_* flags. */
  flags: u32;
  /** Id of the sending socket (NETLINK_CB(skb).sk). */
  cb_sk: i32;
  /** struct ucred of the sender. */
  creds_pid: i32;
  creds_uid: u32;
  creds_gid: u32;
}

/** sim: where the data area keeps its reference count (Linux: skb_shinfo(skb)->dataref). */
// @ts-ignore: decorator
@inline function dataref(skb: sk_buff): usize { return skb.head + <usize>skb.end; }

/** Called when an owned skb is freed or orphaned: undo the sk_rmem_alloc charge (set by af_netlink). */
export let skb_destructor: ((skb: sk_buff) => void) | null = null;
/** sim: Install the destructor (af_netlink's sock_rfree). */
export function skb_set_destructor(fn: (skb: sk_buff) => void): void { skb_destructor = fn; }

// Free lists (like the skbuff_head_cache slab and kmalloc's caches): most skbs are small and
// short-lived, so reusing their memory keeps the allocator out of the request/ACK path. A free
// block's first word links it to the next one.
const SKB_POOL_MAX: i32 = 256;
/** Heads of the free lists and their lengths: sk_buff structs, then data areas by size (the
 * small-head cache's 576 bytes and kmalloc's 1024, 2048, 4096). */
const POOLS: i32 = 5;
const POOL_STRUCT: i32 = 0;
const pool_head = new StaticArray<usize>(POOLS);
const pool_len = new StaticArray<i32>(POOLS);

/** sim: a block from free list i, or 0 when it is empty. */
// @ts-ignore: decorator
@inline function pool_pop(i: i32): usize {
  const p = unchecked(pool_head[i]);
  if (p) {
    unchecked(pool_head[i] = load<usize>(p));
    unchecked(pool_len[i]--);
  }
  return p;
}

/** sim: a block onto free list i; false when the list is full (the caller frees it). */
// @ts-ignore: decorator
@inline function pool_push(i: i32, p: usize): bool {
  if (unchecked(pool_len[i]) >= SKB_POOL_MAX) return false;
  store<usize>(p, unchecked(pool_head[i]));
  unchecked(pool_head[i] = p);
  unchecked(pool_len[i]++);
  return true;
}

/** sim: which free list recycles a data area of this size (Linux: the kmalloc caches). */
function data_pool_index(total: i32): i32 {
  if (total == SKB_SMALL_HEAD_CACHE_SIZE) return 1;
  if (total == 1024) return 2;
  if (total == 2048) return 3;
  if (total == 4096) return 4;
  return -1;
}

function data_alloc(total: i32): usize {
  const i = data_pool_index(total);
  if (i >= 0) {
    const p = pool_pop(i);
    if (p) return p;
  }
  return heap.alloc(<usize>total);
}

/** sim: give a data area back to its free list, or to the allocator (Linux: skb_free_head → kfree). */
function data_free(head: usize, end: u32): void {
  const i = data_pool_index(<i32>end + SKB_SHINFO_SIZE);
  if (i >= 0 && pool_push(i, head)) return;
  heap.free(head);
}

/** sim: a struct sk_buff from its free list (Linux: kmem_cache_alloc(skbuff_head_cache)). */
function skb_struct_alloc(): usize {
  const p = pool_pop(POOL_STRUCT);
  return p ? p : heap.alloc(offsetof<sk_buff>());
}

/** sim: a struct sk_buff back to its free list (Linux: kmem_cache_free). */
function skb_struct_free(p: usize): void {
  if (!pool_push(POOL_STRUCT, p)) heap.free(p);
}

/** sim: the struct half of __alloc_skb around a data area already allocated. */
function __alloc_skb_struct(head: usize, end: i32, truesize: i32): sk_buff {
  const skb = changetype<sk_buff>(skb_struct_alloc());
  memory.fill(changetype<usize>(skb), 0, offsetof<sk_buff>());
  skb.head = head;
  skb.data = head;
  skb.tail = 0;
  skb.end = <u32>end;
  skb.truesize = <u32>truesize;
  skb.users = 1;
  skb_live++;
  return skb;
}

/**
 * Small heads come from their own slab cache since Linux 6.3 (skb_small_head_cache): 576 bytes,
 * deliberately not a power of two. This machine's 6.18 kernel charges such skbs 832 bytes.
 * Ref: net/core/skbuff.c:kmalloc_reserve, SKB_SMALL_HEAD_CACHE_SIZE
 */
export const SKB_SMALL_HEAD_CACHE_SIZE: i32 = 576;

/**
 * A buffer with room for `size` bytes (more, after kmalloc's rounding). Ref: net/core/skbuff.c:__alloc_skb
 */
export function alloc_skb(size: i32): sk_buff | null {
  if (tracing) { trace_enter('alloc_skb', 'size=%d', size); tr_void(); }
  if (size < 0 || size > 0x7fffffff - 4096) return null;
  const obj_size = SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE;
  const total = obj_size <= SKB_SMALL_HEAD_CACHE_SIZE ? SKB_SMALL_HEAD_CACHE_SIZE : kmalloc_size_roundup(obj_size);
  const end = SKB_WITH_OVERHEAD(total);
  const head = data_alloc(total);
  store<i32>(head + <usize>end, 1);
  return __alloc_skb_struct(head, end, SKB_TRUESIZE(end));
}

/**
 * sim: A buffer for a large datagram, without kmalloc's rounding (vmalloc in Linux).
 * Ref: net/netlink/af_netlink.c:netlink_alloc_large_skb → __build_skb
 */
export function alloc_skb_exact(size: i32): sk_buff | null {
  if (size < 0 || size > 0x7fffffff - 4096) return null;
  const total = SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE;
  const end = SKB_WITH_OVERHEAD(total);
  const head = heap.alloc(<usize>total);
  store<i32>(head + <usize>end, 1);
  return __alloc_skb_struct(head, end, SKB_TRUESIZE(end));
}

/** Another sk_buff struct on the same data. Ref: net/core/skbuff.c:skb_clone */
export function skb_clone(skb: sk_buff): sk_buff {
  const n = changetype<sk_buff>(skb_struct_alloc());
  memory.copy(changetype<usize>(n), changetype<usize>(skb), offsetof<sk_buff>());
  n.next = 0;
  n.prev = 0;
  n.users = 1;
  n.sk = 0;
  store<i32>(dataref(skb), load<i32>(dataref(skb)) + 1);
  skb_live++;
  return n;
}

/** Take a reference. Ref: include/linux/skbuff.h:skb_get */
export function skb_get(skb: sk_buff): sk_buff { skb.users++; return skb; }

/** Whether someone else holds a reference too. Ref: skb_shared */
export function skb_shared(skb: sk_buff): bool { return skb.users != 1; }

/** Drop the socket ownership (and its rmem charge). Ref: include/linux/skbuff.h:skb_orphan */
export function skb_orphan(skb: sk_buff): void {
  if (skb.sk != 0) {
    const d = skb_destructor;
    if (d) d(skb);
    skb.sk = 0;
  }
}

/** Drop a reference; the last one frees the skb (and the data, when no clone shares it). Ref: kfree_skb */
export function kfree_skb(skb: sk_buff | null): void {
  if (skb == null) return;
  if (tracing) trace_enter('kfree_skb', 'skb=%x users=%d', <i32>changetype<usize>(skb), skb.users);
  if (skb.users > 1) {
    skb.users--;
    tr_void();
    return;
  }
  skb_orphan(skb);
  const ref = dataref(skb);
  const n = load<i32>(ref) - 1;
  if (n <= 0) data_free(skb.head, skb.end);
  else store<i32>(ref, n);
  skb.users = 0;
  skb_struct_free(changetype<usize>(skb));
  skb_live--;
  tr_void();
}

/** kfree_skb for an skb that was used, not dropped (no difference here). Ref: consume_skb */
export function consume_skb(skb: sk_buff | null): void { kfree_skb(skb); }

/** Bytes left after the data. Ref: skb_tailroom */
export function skb_tailroom(skb: sk_buff): i32 { return <i32>skb.end - <i32>skb.tail; }

/** Where the next skb_put writes. Ref: skb_tail_pointer */
export function skb_tail_pointer(skb: sk_buff): usize { return skb.head + <usize>skb.tail; }

/**
 * Extend the data by `len` bytes; returns where they start. Linux panics when the buffer is too
 * small (skb_over_panic); we grow the buffer instead, so no input can stop the kernel.
 * Ref: net/core/skbuff.c:skb_put
 */
export function skb_put(skb: sk_buff, len: i32): usize {
  if (len < 0) return skb_tail_pointer(skb);
  if (<i64>skb.tail + <i64>len > <i64>skb.end) skb_grow(skb, <i32>skb.tail + len);
  const p = skb_tail_pointer(skb);
  skb.tail += <u32>len;
  skb.len += <u32>len;
  return p;
}

/** Zeroed skb_put. Ref: skb_put_zero */
export function skb_put_zero(skb: sk_buff, len: i32): usize {
  const p = skb_put(skb, len);
  memory.fill(p, 0, <usize>len);
  return p;
}

// sim: Reallocate the data area so `need` bytes fit (only a shared-data-free skb can be grown safely;
// a clone's data is copied to a private area).
function skb_grow(skb: sk_buff, need: i32): void {
  const off = skb.data - skb.head;
  const end = SKB_DATA_ALIGN(need);
  const head = heap.alloc(<usize>(end + SKB_SHINFO_SIZE));
  memory.copy(head, skb.head, <usize>skb.tail);
  const ref = dataref(skb);
  const n = load<i32>(ref) - 1;
  if (n <= 0) data_free(skb.head, skb.end);
  else store<i32>(ref, n);
  skb.head = head;
  skb.data = head + off;
  skb.end = <u32>end;
  store<i32>(head + <usize>end, 1);
}

/** Remove `len` bytes from the start of the data. Ref: skb_pull */
export function skb_pull(skb: sk_buff, len: i32): usize {
  if (len < 0 || <u32>len > skb.len) return 0;
  skb.len -= <u32>len;
  skb.data += <usize>len;
  return skb.data;
}

/** Cut the data to `len` bytes. Ref: skb_trim */
export function skb_trim(skb: sk_buff, len: i32): void {
  if (len >= 0 && <u32>len < skb.len) {
    skb.tail -= skb.len - <u32>len;
    skb.len = <u32>len;
  }
}

/** Leave `len` bytes of headroom. Ref: skb_reserve */
export function skb_reserve(skb: sk_buff, len: i32): void {
  if (len <= 0 || len > skb_tailroom(skb)) return;
  skb.data += <usize>len;
  skb.tail += <u32>len;
}

/** A queue of skbs (struct sk_buff_head). */
export class sk_buff_head {
  first: usize = 0;
  last: usize = 0;
  qlen: i32 = 0;
}

/** Append. Ref: skb_queue_tail */
export function skb_queue_tail(q: sk_buff_head, skb: sk_buff): void {
  skb.next = 0;
  skb.prev = q.last;
  if (q.last) changetype<sk_buff>(q.last).next = changetype<usize>(skb);
  else q.first = changetype<usize>(skb);
  q.last = changetype<usize>(skb);
  q.qlen++;
}

/** The first skb, left queued. Ref: skb_peek */
export function skb_peek(q: sk_buff_head): sk_buff | null {
  return q.first ? changetype<sk_buff>(q.first) : null;
}

/** Take the first skb. Ref: skb_dequeue */
export function skb_dequeue(q: sk_buff_head): sk_buff | null {
  if (!q.first) return null;
  const skb = changetype<sk_buff>(q.first);
  q.first = skb.next;
  if (q.first) changetype<sk_buff>(q.first).prev = 0;
  else q.last = 0;
  skb.next = 0;
  skb.prev = 0;
  q.qlen--;
  return skb;
}

/** Free everything queued. Ref: skb_queue_purge */
export function skb_queue_purge(q: sk_buff_head): void {
  let skb = skb_dequeue(q);
  while (skb) {
    kfree_skb(skb);
    skb = skb_dequeue(q);
  }
}
