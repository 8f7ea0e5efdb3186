import { MAX_CAPABILITIES, PACKET_BYTES } from './constants.js'
import type { GroupPacket } from './pb/group.js'

/**
 * Split ops, messages, receipts and mailbox capabilities into packets of about PACKET_BYTES each, ops first and in the order given
 * (an item larger than that goes alone, up to MAX_FRAME_BYTES). Always at least one packet.
 */
export function packets (ops: Uint8Array[], messages: Uint8Array[], budget = PACKET_BYTES, receipts: Uint8Array[] = [], capabilities: Uint8Array[] = []): GroupPacket[] {
  const out: GroupPacket[] = [{ ops: [], messages: [], receipts: [], capabilities: [] }]
  let used = 0
  const put = (bytes: Uint8Array, kind: 'ops' | 'messages' | 'receipts' | 'capabilities'): void => {
    const cost = bytes.byteLength + 4
    if ((used > 0 && used + cost > budget) || (kind === 'capabilities' && out[out.length - 1].capabilities.length >= MAX_CAPABILITIES)) {
      out.push({ ops: [], messages: [], receipts: [], capabilities: [] })
      used = 0
    }
    out[out.length - 1][kind].push(bytes)
    used += cost
  }
  for (const op of ops) put(op, 'ops')
  for (const m of messages) put(m, 'messages')
  for (const r of receipts) put(r, 'receipts')
  for (const c of capabilities) put(c, 'capabilities')
  return out
}
