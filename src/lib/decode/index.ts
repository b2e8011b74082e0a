/** Netlink message decoding for the playground's Messages panel: bytes in, a tree of fields out. */
export { decodeDatagram, typeInfo, type DecodeContext } from './decode.ts';
export type { Field } from './field.ts';
export { protocolName } from './names.ts';
export { NLCTRL, IFLA_ATTRS, COURSE_FAMILIES, genlFamilySpec, type AttrSet, type GenlFamilySpec } from './specs.ts';
export { resolveFamilies } from './families.ts';
export { fieldsAt, walk } from './tree.ts';
