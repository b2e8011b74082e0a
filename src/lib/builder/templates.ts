/** Messages to start from in the builder: one per kind of request the course makes. */
import {
  AF_INET,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_GETLINK,
  RTM_NEWLINK,
} from '../../api/uapi.ts';
import {
  IFA_ADDRESS,
  IFA_LOCAL,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  RTM_GETADDR,
  RTM_GETROUTE,
  RTM_NEWADDR,
} from '../../api/rtnl.ts';
import { attr, message, nest, toHex, type Datagram } from './model.ts';

const text = (s: string) => toHex(new TextEncoder().encode(`${s}\0`));
const u32 = (v: number) => toHex(new Uint8Array(new Uint32Array([v]).buffer));
const ip4 = (s: string) => toHex(Uint8Array.from(s.split('.').map(Number)));

export interface Template {
  id: string;
  label: string;
  datagram: Datagram;
}

export const TEMPLATES: Template[] = [
  {
    id: 'getfamily',
    label: 'nlctrl: CTRL_CMD_GETFAMILY "nlctrl"',
    datagram: {
      protocol: NETLINK_GENERIC,
      tail: '',
      messages: [
        {
          ...message(NETLINK_GENERIC, GENL_ID_CTRL, {
            flags: NLM_F_REQUEST | NLM_F_ACK,
            seq: 1,
            header: [CTRL_CMD_GETFAMILY, 2, 0],
          }),
          attrs: { items: [attr(CTRL_ATTR_FAMILY_NAME, text('nlctrl'))], tail: '' },
        },
      ],
    },
  },
  {
    id: 'families',
    label: 'nlctrl: dump every family',
    datagram: {
      protocol: NETLINK_GENERIC,
      tail: '',
      messages: [
        message(NETLINK_GENERIC, GENL_ID_CTRL, {
          flags: NLM_F_REQUEST | NLM_F_DUMP,
          seq: 1,
          header: [CTRL_CMD_GETFAMILY, 2, 0],
        }),
      ],
    },
  },
  {
    id: 'getpolicy',
    label: 'nlctrl: CTRL_CMD_GETPOLICY of "nlctrl"',
    datagram: {
      protocol: NETLINK_GENERIC,
      tail: '',
      messages: [
        {
          ...message(NETLINK_GENERIC, GENL_ID_CTRL, {
            flags: NLM_F_REQUEST | NLM_F_DUMP,
            seq: 1,
            header: [CTRL_CMD_GETPOLICY, 2, 0],
          }),
          attrs: { items: [attr(CTRL_ATTR_FAMILY_NAME, text('nlctrl'))], tail: '' },
        },
      ],
    },
  },
  {
    id: 'getlink',
    label: 'rtnetlink: RTM_GETLINK dump',
    datagram: {
      protocol: NETLINK_ROUTE,
      tail: '',
      messages: [message(NETLINK_ROUTE, RTM_GETLINK, { flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 1 })],
    },
  },
  {
    id: 'newlink',
    label: 'rtnetlink: RTM_NEWLINK a bridge "br0"',
    datagram: {
      protocol: NETLINK_ROUTE,
      tail: '',
      messages: [
        {
          ...message(NETLINK_ROUTE, RTM_NEWLINK, {
            flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            seq: 1,
          }),
          attrs: {
            items: [
              attr(IFLA_IFNAME, text('br0')),
              attr(IFLA_MTU, u32(1400)),
              nest(IFLA_LINKINFO, [attr(IFLA_INFO_KIND, text('bridge'))]),
            ],
            tail: '',
          },
        },
      ],
    },
  },
  {
    id: 'newaddr',
    label: 'rtnetlink: RTM_NEWADDR 127.0.0.2/8 on lo',
    datagram: {
      protocol: NETLINK_ROUTE,
      tail: '',
      messages: [
        {
          ...message(NETLINK_ROUTE, RTM_NEWADDR, {
            flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            seq: 1,
            header: [AF_INET, 8, 0, 0, 1],
          }),
          attrs: { items: [attr(IFA_LOCAL, ip4('127.0.0.2')), attr(IFA_ADDRESS, ip4('127.0.0.2'))], tail: '' },
        },
      ],
    },
  },
  {
    id: 'getaddr',
    label: 'rtnetlink: RTM_GETADDR dump',
    datagram: {
      protocol: NETLINK_ROUTE,
      tail: '',
      messages: [message(NETLINK_ROUTE, RTM_GETADDR, { flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 1 })],
    },
  },
  {
    id: 'getroute',
    label: 'rtnetlink: RTM_GETROUTE dump (IPv4)',
    datagram: {
      protocol: NETLINK_ROUTE,
      tail: '',
      messages: [
        message(NETLINK_ROUTE, RTM_GETROUTE, { flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 1, header: [AF_INET] }),
      ],
    },
  },
  {
    id: 'usersock',
    label: 'NETLINK_USERSOCK: a raw message',
    datagram: {
      protocol: NETLINK_USERSOCK,
      tail: '',
      messages: [{ ...message(NETLINK_USERSOCK, 16, { flags: NLM_F_REQUEST, seq: 1 }), raw: text('hello') }],
    },
  },
];
