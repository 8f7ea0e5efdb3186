/**
 * What a room message's plaintext holds: bare UTF-8 text (every message before files), or a byte
 * 0xFF and an encoded RoomContent — a file's announcement (its FileRef, key included: the
 * plaintext is sealed under the room's message keys) and its caption. 0xFF never begins UTF-8
 * text, so the two cannot be mistaken; a peer from before files shows such a message as a
 * replacement character and bytes, not as a file.
 */
import { RoomContent } from './pb/groups.js'

const MARK = 0xff
const te = new TextEncoder()
const td = new TextDecoder()

/** The plaintext of a message with `text` and, for a file message, the encoded FileRef. */
export function encodeRoomContent (text: string, file?: Uint8Array): Uint8Array {
  if (file == null) return te.encode(text)
  const body = RoomContent.encode({ text, file })
  const out = new Uint8Array(body.byteLength + 1)
  out[0] = MARK
  out.set(body, 1)
  return out
}

/** What a plaintext says: its text, and the encoded FileRef of a file message. Malformed content reads as text. */
export function decodeRoomContent (plaintext: Uint8Array): { text: string, file?: Uint8Array } {
  if (plaintext[0] !== MARK) return { text: td.decode(plaintext) }
  try {
    const c = RoomContent.decode(plaintext.subarray(1))
    return c.file.byteLength === 0 ? { text: c.text } : { text: c.text, file: c.file }
  } catch {
    return { text: td.decode(plaintext) }
  }
}
