/**
 * The 64-bit timeval of SO_RCVTIMEO_NEW / SO_SNDTIMEO_NEW (and of the _OLD options on a 64-bit
 * kernel, where struct timeval has the same layout), as a view over the caller's bytes.
 *
 * Models Linux 6.18: include/uapi/linux/time_types.h
 */

/** struct __kernel_sock_timeval. */
@unmanaged export class __kernel_sock_timeval {
  tv_sec: i64;
  tv_usec: i64;
}
