/**
 * The neighbour tables (ARP, ND) of a fresh namespace: empty. RTM_GETNEIGH dumps answer with
 * NLMSG_DONE alone. Entries (the multicast ones IPv6 creates when a link comes up, ARP, RTM_NEWNEIGH)
 * are not modelled. Ref: net/core/neighbour.c (neigh_dump_info)
 */
import { sk_buff, netlink_callback, nlmsg_len, nlmsg_data } from '../netlink/af_netlink';
import { NL_SET_ERR_MSG } from '../../lib/nlattr';
import { rtnl_register, AF_UNSPEC } from './rtnetlink';
import { EINVAL } from '../../include/uapi/asm-generic/errno';

const RTM_GETNEIGH: i32 = 30;
const NDMSG_SIZE: i32 = 12;

/** Ref: neigh_dump_info → neigh_valid_dump_req */
function neigh_dump_info(skb: sk_buff, cb: netlink_callback): i32 {
  if (cb.strict_check && cb.args[1] == 0) {
    if (nlmsg_len(cb.nlh) < NDMSG_SIZE) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid header for neighbor dump request');
      return -EINVAL;
    }
    const ndm = nlmsg_data(cb.nlh);
    if (load<u8>(ndm, 1) || load<u16>(ndm, 2) || load<i32>(ndm, 4) || load<u16>(ndm, 8) || load<u8>(ndm, 11)) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for neighbor dump request');
      return -EINVAL;
    }
  }
  cb.args[1] = 1;
  return <i32>skb.len;
}

export function neigh_init(): void {
  rtnl_register(AF_UNSPEC, RTM_GETNEIGH, null, neigh_dump_info);
}
