/**
 * struct in6_addr, as a view over linear memory: its bytes are `addr.s6_addr[i]` and its words, in
 * network order, `addr.s6_addr32[i]`, as the C reads the union in6_u. sizeof is offsetof<in6_addr>().
 *
 * Models Linux 6.18: include/uapi/linux/in6.h
 */

/** sim: in6_u.u6_addr8, the 16 bytes of an address (`s6_addr`), indexed as the C indexes them. */
@unmanaged export class in6_u_addr8 {
  @operator('[]') get(i: i32): u8 { return load<u8>(changetype<usize>(this) + <usize>i); }
  @operator('[]=') set(i: i32, v: u8): void { store<u8>(changetype<usize>(this) + <usize>i, v); }
}

/** sim: in6_u.u6_addr32, the 4 words of an address in network order (`s6_addr32`). */
@unmanaged export class in6_u_addr32 {
  @operator('[]') get(i: i32): u32 { return load<u32>(changetype<usize>(this) + (<usize>i << 2)); }
  @operator('[]=') set(i: i32, v: u32): void { store<u32>(changetype<usize>(this) + (<usize>i << 2), v); }
}

/** struct in6_addr. */
@unmanaged export class in6_addr {
  // sim: the room of the union in6_u (16 bytes), so that offsetof<in6_addr>() is its sizeof;
  // it is read through s6_addr and s6_addr32.
  private __in6_u0: u32;
  private __in6_u1: u32;
  private __in6_u2: u32;
  private __in6_u3: u32;
  /** `addr->s6_addr`: in6_u.u6_addr8. */
  get s6_addr(): in6_u_addr8 { return changetype<in6_u_addr8>(this); }
  /** `addr->s6_addr32`: in6_u.u6_addr32. */
  get s6_addr32(): in6_u_addr32 { return changetype<in6_u_addr32>(this); }
}
