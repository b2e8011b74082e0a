/**
 * Error pointers: how a function returns either an object or an error. Linux folds the error into
 * the pointer (ERR_PTR(-EINVAL), tested with IS_ERR, read with PTR_ERR); AssemblyScript has no
 * such pointers, so the object and the errno travel together in an err_ptr (sim:).
 *
 * Models Linux 6.18: include/linux/err.h
 */

/** sim: an object (possibly null) or, when err is non-zero, the errno Linux would fold into the pointer. */
export class err_ptr<T> {
  constructor(public ptr: T | null, public err: i32) {}
}

/** sim: ERR_PTR(err) — no object, the negative errno err. */
export function ERR_PTR<T>(err: i32): err_ptr<T> { return new err_ptr<T>(null, err); }

/** sim: a plain pointer as an err_ptr (Linux needs no wrapping). */
export function OK_PTR<T>(p: T | null): err_ptr<T> { return new err_ptr<T>(p, 0); }

/** Whether it carries an error. Ref: include/linux/err.h:IS_ERR */
export function IS_ERR<T>(p: err_ptr<T>): bool { return p.err != 0; }

/** The error it carries. Ref: include/linux/err.h:PTR_ERR */
export function PTR_ERR<T>(p: err_ptr<T>): i32 { return p.err; }
