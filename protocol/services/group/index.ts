/**
 * `/ferry/group/1.0.0`: hand a team room's ops and messages to a connected fellow member, and get
 * back what it holds that our summary lacks (docs/groups.md "The wire"). One exchange per stream:
 *
 *   asker:    Hello = identity key (32) ‖ device certificate (128), binding the identity to the
 *             connection's peer id (Noise authenticated that);
 *             packet = room id (32) ‖ GroupPacket {summary?, ops[], messages[], receipts[]}
 *   answerer: GroupReply frames {code, reason, packet?, more} until more = false
 *
 * The answerer checks the hello's certificate against the connection, then asks its receiver
 * whether that identity may speak for that room, before it decodes a byte of the packet's body:
 * a stranger's bytes are never parsed. Rooms are pure (protocol/groups/); this service only
 * carries bytes, and the receiver decides what they mean.
 *
 * @example
 * const node = await createLibp2p({ services: { group: groupService({ me, receiver }) } })
 * const answer = await node.services.group.exchange(connection, room, { ops, messages: [], summary })
 */
import { GroupService } from './group.js'
import type { Identity } from '../../crypto/identity.js'
import type { GroupPacket } from './pb/group.js'
import type { AbortOptions, ComponentLogger, Connection, PeerId } from '@libp2p/interface'
import type { Registrar } from '@libp2p/interface-internal'

export * from './constants.js'
export { GroupPacketRejectedError, GroupProtocolError } from './errors.js'
export { GroupPacket, GroupReply } from './pb/group.js'
export { packets } from './packets.js'

/** Who is asking: its identity key, vouched for by the certificate its device showed. */
export interface GroupAsker {
  identity: Uint8Array
  peer: PeerId
}

/** What the service hands packets to (the node's rooms). */
export interface GroupReceiver {
  /**
   * Whether `from` may send packets for `room`: a member of it as we hold it, or someone we are
   * waiting to hear from about it. Called before the packet's body is decoded.
   */
  admit(room: Uint8Array, from: GroupAsker): Promise<boolean> | boolean
  /**
   * Take a packet in (resolving once what must be durable is stored) and say what to answer:
   * the ops and messages its summary lacks, if it had one.
   *
   * @throws a GroupError (or any error named Malformed…) for a packet it refuses; anything else is
   *   a failure on our side, answered FAILED
   */
  receive(room: Uint8Array, packet: GroupPacket, from: GroupAsker): Promise<{ ops: Uint8Array[], messages: Uint8Array[], receipts?: Uint8Array[] } | undefined>
}

export interface GroupServiceComponents {
  registrar: Registrar
  peerId: PeerId
  logger: ComponentLogger
}

export interface GroupServiceInit {
  /** this node's identity: its hello */
  me: Identity
  receiver: GroupReceiver
  /** clock in ms, injectable for tests */
  now?(): number
}

export interface GroupExchange {
  /**
   * Send one packet for `room` over `connection` and read the answer.
   *
   * @returns what the other member sent back (empty when it had nothing to answer)
   * @throws GroupPacketRejectedError when it refused the packet; GroupProtocolError, or the
   *   stream's error, when the exchange broke
   */
  exchange(connection: Connection, room: Uint8Array, packet: Partial<GroupPacket>, options?: AbortOptions): Promise<{ ops: Uint8Array[], messages: Uint8Array[], receipts: Uint8Array[] }>
}

export function groupService (init: GroupServiceInit): (components: GroupServiceComponents) => GroupExchange {
  return (components) => new GroupService(components, init)
}
