import type { GroupReply } from './pb/group.js'

/** The other member refused a packet and said why. */
export class GroupPacketRejectedError extends Error {
  override name = 'GroupPacketRejectedError'
  readonly code: GroupReply.Code

  constructor (code: GroupReply.Code, reason: string) {
    super(`the member refused the packet: ${reason}`)
    this.code = code
  }
}

/** A frame broke the protocol: a bad hello, a short packet, too many answer frames. */
export class GroupProtocolError extends Error {
  override name = 'GroupProtocolError'
}
