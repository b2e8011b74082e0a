/** Netlink message decoding for the playground's Messages panel: bytes in, a tree of fields out. */
export { decodeDatagram, typeInfo, type DecodeContext, type TypeInfo } from './decode.ts';
export { decodeAttrs } from './attrs.ts';
export { field, type Field, type FieldKind } from './field.ts';
export { flagNames, protocolName, type FlagContext } from './names.ts';
export { NLCTRL, NLMSGERR_ATTRS, IFLA_ATTRS, COURSE_FAMILIES, genlFamilySpec, type AttrSet, type AttrSpec, type AttrType, type GenlFamilySpec } from './specs.ts';
export { fieldsAt, walk } from './tree.ts';
