/**
 * Envelopes: the only thing hops see (DESIGN.md "Wire protocols", invariant 2).
 *
 * The outer envelope carries recipient, id, created, expiresAt and a payload padded to size
 * buckets. The sender and the text live inside the payload (`Content`). Until the encryption issue
 * lands the payload is plaintext inside Noise; its shape is already the sealed one.
 */
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, MAX_TEXT_BYTES, MAX_TTL_MS, MESSAGE_ID_BYTES, MIN_TTL_MS, PAYLOAD_BUCKETS } from '../constants.js'
import { InvalidEnvelopeError, InvalidInputError, MessageTooLargeError } from '../errors.js'
import { Content, Envelope } from '../pb/ferry.js'
import { equalBytes } from '../util/bytes.js'

export { Envelope, Content }
// The byte helpers used to live here; the mailbox service, the mailbox roles and the Ferry façade
// still import them from this module.
export { equalBytes, fromHex, toHex } from '../util/bytes.js'

/** ISO/IEC 7816-4 padding (0x80 then zeros) up to the smallest bucket that fits. */
export function pad (data: Uint8Array): Uint8Array {
  const bucket = PAYLOAD_BUCKETS.find(b => b >= data.byteLength + 1)
  if (bucket == null) throw new MessageTooLargeError(`payload of ${data.byteLength} bytes exceeds the largest bucket`)
  const out = new Uint8Array(bucket)
  out.set(data)
  out[data.byteLength] = 0x80
  return out
}

/**
 * Remove ISO/IEC 7816-4 padding.
 *
 * @throws InvalidEnvelopeError when the padding is not well formed
 */
export function unpad (data: Uint8Array): Uint8Array {
  let i = data.byteLength - 1
  while (i >= 0 && data[i] === 0) i--
  if (i < 0 || data[i] !== 0x80) throw new InvalidEnvelopeError('payload padding is malformed')
  return data.subarray(0, i)
}

/**
 * Check a message text before anything is stored or sent.
 *
 * @throws InvalidInputError when empty, MessageTooLargeError when over MAX_TEXT_BYTES
 */
export function checkText (text: unknown): string {
  if (typeof text !== 'string' || text.length === 0) throw new InvalidInputError('message text is empty')
  const bytes = new TextEncoder().encode(text).byteLength
  if (bytes > MAX_TEXT_BYTES) {
    throw new MessageTooLargeError(`message text is ${bytes} bytes; the limit is ${MAX_TEXT_BYTES} bytes (64 KiB)`)
  }
  return text
}

/**
 * Decode an envelope from the wire, checking sizes before the protobuf decoder allocates.
 *
 * @throws InvalidEnvelopeError when oversized or malformed
 */
export function decodeEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) throw new InvalidEnvelopeError(`envelope of ${bytes.byteLength} bytes exceeds ${MAX_ENVELOPE_BYTES}`)
  let env: Envelope
  try {
    env = Envelope.decode(bytes)
  } catch (err: any) {
    throw new InvalidEnvelopeError(`envelope does not decode: ${err.message}`)
  }
  return env
}

/** Why an envelope is not acceptable here, or undefined when it is. */
export type EnvelopeProblem = 'malformed' | 'unsupported-version' | 'expired' | 'not-for-me' | 'too-large'

/**
 * Validate an envelope against this device and clock (expiry binds every hop: invariant 4).
 *
 * @param env - the decoded envelope
 * @param device - this device's peer id bytes
 * @param now - current time in ms
 */
export function checkEnvelope (env: Envelope, device: Uint8Array, now: number): { problem: EnvelopeProblem, reason: string } | undefined {
  if (env.version !== ENVELOPE_VERSION) return { problem: 'unsupported-version', reason: `envelope version ${env.version} is not supported (expected ${ENVELOPE_VERSION})` }
  if (env.id.byteLength !== MESSAGE_ID_BYTES) return { problem: 'malformed', reason: `message id must be ${MESSAGE_ID_BYTES} bytes` }
  if (env.payload.byteLength === 0) return { problem: 'malformed', reason: 'empty payload' }
  if (!PAYLOAD_BUCKETS.includes(env.payload.byteLength as any)) return { problem: 'malformed', reason: 'payload is not padded to a size bucket' }
  if (env.group != null && env.group.byteLength !== 32) return { problem: 'malformed', reason: 'a group mail envelope names a 32-byte room id' }
  if (env.expiresAt <= env.created) return { problem: 'malformed', reason: 'expiresAt is not after created' }
  if (env.expiresAt <= now) return { problem: 'expired', reason: 'envelope expired' }
  if (!equalBytes(env.recipientDevice, device)) return { problem: 'not-for-me', reason: 'envelope is addressed to another device' }
  return undefined
}

/** @throws InvalidInputError unless MIN_TTL_MS <= ttl <= MAX_TTL_MS */
export function checkTtl (ttl: number): void {
  if (!Number.isFinite(ttl) || ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) throw new InvalidInputError(`expiry must be between ${MIN_TTL_MS / 1000} s and ${MAX_TTL_MS / 86_400_000} days`)
}
