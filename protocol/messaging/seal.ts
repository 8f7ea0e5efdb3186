/**
 * Sealing and opening envelopes (DESIGN.md invariant 2). The outer envelope shows
 * only version, id, recipient, created, expiresAt and a padded payload. The payload is a Double
 * Ratchet message (`Sealed`) whose plaintext is the `Content`: the text and the sender's device
 * certificate travel only inside it. Until the recipient has the session, the payload also carries
 * the PQXDH initial message, which names the sender's identity key (as PQXDH intends); it is
 * inside the padded payload, never in the outer envelope. The ratchet's associated data binds
 * every outer field, so a hop that changes an id, a time or a recipient makes the message
 * undecryptable.
 */
import { ENVELOPE_VERSION, MAX_READ_IDS } from '../constants.js'
import { InvalidEnvelopeError } from '../errors.js'
import { Content, Envelope, Sealed } from '../pb/ferry.js'
import { MAX_TEXT_BYTES, PAYLOAD_BUCKETS } from '../constants.js'
import { pad, unpad } from './envelope.js'
import type { Sessions } from './sessions.js'

/** The largest Sealed payload: a full text plus ratchet header, tag and PQXDH initial message. */
const MAX_SEALED_BYTES = PAYLOAD_BUCKETS[PAYLOAD_BUCKETS.length - 1]

export interface EnvelopeFields {
  id: Uint8Array
  recipient: Uint8Array
  recipientDevice: Uint8Array
  created: number
  expiresAt: number
}

/** The outer fields a message's ratchet encryption is bound to, each length-prefixed. */
export function envelopeAd (f: EnvelopeFields): Uint8Array {
  const parts = [f.id, f.recipient, f.recipientDevice]
  const out = new Uint8Array(16 + parts.reduce((n, p) => n + 2 + p.byteLength, 0))
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(f.created))
  view.setBigUint64(8, BigInt(f.expiresAt))
  let at = 16
  for (const p of parts) {
    view.setUint16(at, p.byteLength)
    out.set(p, at + 2)
    at += 2 + p.byteLength
  }
  return out
}

/** The content to seal: `read` (a read receipt's ids) may be left out. */
export type ContentFields = Omit<Content, 'read'> & Partial<Pick<Content, 'read'>>

/**
 * Encrypt `content` for `peer` and wrap it in an encoded envelope. Call inside
 * `sessions.serialize(peer, ...)`. With `identity`, only a session with that identity carries it.
 *
 * @returns the envelope bytes and the session record to persist with the message
 */
export async function sealEnvelope (sessions: Sessions, peer: string, fields: EnvelopeFields, content: ContentFields, bundle?: Uint8Array, identity?: Uint8Array, restart = false): Promise<{ envelope: Uint8Array, record: Uint8Array }> {
  const { sealed, record } = await sessions.encrypt(peer, Content.encode(content), envelopeAd(fields), bundle, identity, restart)
  const envelope = Envelope.encode({ version: ENVELOPE_VERSION, ...fields, payload: pad(Sealed.encode(sealed)) })
  return { envelope, record }
}

/**
 * The Sealed payload of an envelope.
 *
 * @throws InvalidEnvelopeError on bad padding or protobuf
 */
export function openPayload (env: Envelope): Sealed {
  const body = unpad(env.payload)
  if (body.byteLength > MAX_SEALED_BYTES) throw new InvalidEnvelopeError('sealed payload is too large')
  try {
    return Sealed.decode(body)
  } catch (err: any) {
    throw new InvalidEnvelopeError(`sealed payload does not decode: ${err.message}`)
  }
}

/**
 * Decode decrypted content.
 *
 * @throws InvalidEnvelopeError when it does not decode, the text is over the limit or a read
 * receipt lists more than MAX_READ_IDS ids
 */
export function decodeContent (plaintext: Uint8Array): Content {
  let content: Content
  try {
    content = Content.decode(plaintext, { limits: { read: MAX_READ_IDS } })
  } catch (err: any) {
    throw new InvalidEnvelopeError(`content does not decode: ${err.message}`)
  }
  if (new TextEncoder().encode(content.text).byteLength > MAX_TEXT_BYTES) throw new InvalidEnvelopeError('text exceeds the limit')
  return content
}
