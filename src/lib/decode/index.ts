/** Netlink message decoding for the playground's Messages panel: bytes in, a tree of fields out. */
export { decodeDatagram, typeInfo, type DecodeContext, type TypeInfo } from './decode.ts';
export { decodeAttrs } from './attrs.ts';
export { field, type Field, type FieldKind } from './field.ts';
export { flagNames, protocolName, type FlagContext } from './names.ts';
export {
  NLCTRL,
  NLMSGERR_ATTRS,
  IFLA_ATTRS,
  COURSE_FAMILIES,
  POLICY_ATTRS,
  genlFamilySpec,
  type AttrSet,
  type AttrSpec,
  type AttrType,
  type GenlFamilySpec,
  type StructSpec,
} from './specs.ts';
export { YNL, genlSpecByName, rawSpecs, specOp, RTNL_OPS, type SpecOp, type YnlFamily } from './ynl.ts';
export { resolveFamilies, type SeenDatagram } from './families.ts';
export { bitNames, structFields } from './attrs.ts';
export { fieldsAt, walk } from './tree.ts';
