/**
 * Linking a new device to an identity over `/ferry/link/1.0.0` (docs/DEVICES.md "Linking").
 *
 * The existing device makes a one-time link code: a `ferry://link/...` string holding the
 * identity, its peer id and addresses, a fresh ephemeral X25519 public key and an expiry (10
 * minutes). The new device dials that peer (Noise proves it is the device the code names), makes
 * its own ephemeral key and sends it with its half of the device certificate and a MAC under a
 * key derived from both ephemeral keys and both peer ids. The existing device checks the MAC
 * (only a holder of the code can make it, and a request replayed from another peer fails it, as
 * the requester's peer id is in it), burns the code, certifies the device and answers with the
 * payload sealed under the same derived key. Both sides can show a short confirmation number
 * derived from that key. A code is used once; three bad attempts burn it too.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { peerIdFromString } from '@libp2p/peer-id'
import { identityFromString, identityToString, DEVICE_CERTIFICATE_BYTES } from '../crypto/identity.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes, toHex } from '../util/bytes.js'
import { frameStream, RAW } from '../services/streams/frames.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

export const LINK_PROTOCOL = '/ferry/link/1.0.0'
export const LINK_PREFIX = 'ferry://link/'
/** How long a link code may be used. */
export const LINK_TTL_MS = 10 * 60_000
/** Bad attempts that burn a code. */
export const LINK_MAX_FAILURES = 3
/** Codes waiting at once on one device. */
export const MAX_OFFERS = 4
/** The sealed payload (identity, contacts, device list) is refused beyond this. */
export const MAX_LINK_PAYLOAD_BYTES = 4 * 1024 * 1024
const NAME_BYTES = 64
const REQUEST_BYTES = 32 + 64 + 32
const TIMEOUT_MS = 30_000

/** A link code failed: expired, used, not this device's, forged, or the exchange broke. */
export class LinkError extends Error {
  override name = 'LinkError'
}

export interface LinkCode {
  identity: Uint8Array
  peer: string
  addrs: string[]
  /** the existing device's ephemeral X25519 public key */
  key: Uint8Array
  expiresAt: number
}

export function encodeLinkCode (c: LinkCode): string {
  const json = JSON.stringify({ v: 1, i: identityToString(c.identity), p: c.peer, a: c.addrs, k: toString(c.key, 'base64url'), e: c.expiresAt })
  return LINK_PREFIX + toString(fromString(json), 'base64url')
}

/**
 * @throws InvalidInputError for anything that is not a whole, current link code
 */
export function parseLinkCode (text: string, now: number): LinkCode {
  const s = text.trim()
  if (!s.startsWith(LINK_PREFIX)) throw new InvalidInputError('not a link code (it starts with ferry://link/; make one with `ferry device link` on your existing device)')
  if (s.length > 8192) throw new InvalidInputError('link code too long')
  let j: any
  try {
    j = JSON.parse(toString(fromString(s.slice(LINK_PREFIX.length), 'base64url')))
  } catch {
    throw new InvalidInputError('link code is damaged (copy all of it)')
  }
  if (j?.v !== 1 || typeof j.p !== 'string' || !Array.isArray(j.a) || typeof j.k !== 'string' || !Number.isSafeInteger(j.e)) throw new InvalidInputError('link code is damaged or from another Ferry version')
  const code: LinkCode = { identity: identityFromString(String(j.i)), peer: j.p, addrs: j.a.filter((a: unknown) => typeof a === 'string').slice(0, 32), key: fromString(j.k, 'base64url'), expiresAt: j.e }
  peerIdFromString(code.peer)
  if (code.key.byteLength !== 32) throw new InvalidInputError('link code is damaged (its key)')
  if (code.expiresAt <= now) throw new InvalidInputError('link code expired: make a new one with `ferry device link`')
  return code
}

export interface Keys { mac: Uint8Array, seal: Uint8Array, confirm: string }

/** Both sides derive the same keys from the ephemeral DH and both peer ids. */
async function deriveKeys (crypto: CryptoBackend, shared: Uint8Array, primary: PeerId, device: PeerId, codeKey: Uint8Array, deviceKey: Uint8Array): Promise<Keys> {
  const info = concat([fromString('ferry-link-v1'), primary.toMultihash().bytes, device.toMultihash().bytes, codeKey, deviceKey])
  const okm = await crypto.hkdf(shared, new Uint8Array(32), info, 68)
  const n = new DataView(okm.buffer, okm.byteOffset + 64, 4).getUint32(0) % 1_000_000
  return { mac: okm.slice(0, 32), seal: okm.slice(32, 64), confirm: String(n).padStart(6, '0') }
}

const macInput = (cross: Uint8Array, name: Uint8Array): Uint8Array => concat([fromString('ferry-link-request'), cross, name])
const SEAL_AD = fromString('ferry-link-payload')
const HISTORY_AD = fromString('ferry-link-history')
/** 12-byte nonce: the payload is 0, history chunk n is n */
function nonce (n: number): Uint8Array {
  const b = new Uint8Array(12)
  new DataView(b.buffer).setUint32(8, n)
  return b
}

/**
 * The request a new device `me` sends for `code`: its ephemeral key, its half of the certificate,
 * its name, and a MAC over them bound to both peer ids (exported for tests that replay it).
 */
export async function linkRequest (crypto: CryptoBackend, me: PeerId, code: LinkCode, crossSign: Uint8Array, name: string): Promise<{ request: Uint8Array, keys: Keys }> {
  if (crossSign.byteLength !== DEVICE_CERTIFICATE_BYTES / 2) throw new LinkError('bad cross-signature')
  const pair = await crypto.x25519Generate()
  const shared = await crypto.x25519(pair.privateKey, code.key)
  const keys = await deriveKeys(crypto, shared, peerIdFromString(code.peer), me, code.key, pair.publicKey)
  const nameBytes = fromString(name).slice(0, NAME_BYTES)
  const mac = await crypto.hmacSha256(keys.mac, macInput(crossSign, nameBytes))
  return { request: concat([code.key, pair.publicKey, crossSign, mac, nameBytes]), keys }
}

/** Send one link request on a new stream and read the answer (0x00 || sealed, or 0x01 || reason). */
export async function exchange (connection: Connection, request: Uint8Array): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  const stream = await connection.newStream(LINK_PROTOCOL, { signal })
  const frames = frameStream(stream, { maxDataLength: MAX_LINK_PAYLOAD_BYTES + 64 })
  await frames.write(request, RAW, { signal })
  const reply = await frames.read(RAW, { signal })
  await stream.close({ signal }).catch(() => {})
  return reply
}

/** What a code offers besides the identity: history since this time (ms), when set. */
export interface OfferOptions { historySince?: number }

/** What the existing device sends: the payload, then (optionally) history in chunks. */
export interface Granted {
  payload: Uint8Array
  /** history chunks (each at most MAX_HISTORY_CHUNK_BYTES), sent after the payload */
  history?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

/** What the existing device does with an accepted request: certify the device, make the payload. */
export interface LinkGrant {
  /** add `device` to the identity's list with `crossSignature` (its half); the plaintexts to seal */
  grant(device: PeerId, crossSignature: Uint8Array, name: string, confirm: string, options: OfferOptions): Promise<Granted>
}

/** One history chunk is refused beyond this (before it is opened); chunks a link may carry (512 MiB in all). */
export const MAX_HISTORY_CHUNK_BYTES = 1024 * 1024
export const MAX_HISTORY_CHUNKS = 512

interface Offer { privateKey: Uint8Array, code: LinkCode, failures: number, options: OfferOptions }

/** The existing device's side: the codes it handed out, and the answer to a request. */
export class LinkOffers {
  private readonly offers = new Map<string, Offer>()

  constructor (private readonly crypto: CryptoBackend, private readonly now: () => number) {}

  /** A new one-time code for this device (identity, peer, addresses). */
  async offer (identity: Uint8Array, peer: string, addrs: string[], options: OfferOptions = {}): Promise<string> {
    this.prune()
    if (this.offers.size >= MAX_OFFERS) throw new InvalidInputError(`${MAX_OFFERS} link codes are waiting already; use one or wait ${LINK_TTL_MS / 60_000} minutes`)
    const pair = await this.crypto.x25519Generate()
    const code: LinkCode = { identity, peer, addrs, key: pair.publicKey, expiresAt: this.now() + LINK_TTL_MS }
    this.offers.set(toHex(pair.publicKey), { privateKey: pair.privateKey, code, failures: 0, options })
    return encodeLinkCode(code)
  }

  private prune (): void {
    for (const [k, o] of this.offers) if (o.code.expiresAt <= this.now()) this.offers.delete(k)
  }

  /** Answer one request on `stream` (the handler of LINK_PROTOCOL). Never throws. */
  async answer (stream: Stream, connection: Connection, grant: LinkGrant): Promise<void> {
    const frames = frameStream(stream, { maxDataLength: 32 + REQUEST_BYTES + NAME_BYTES })
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    try {
      const req = await frames.read(RAW, { signal })
      const { reply, history, key } = await this.decide(req, connection.remotePeer, grant)
      await frames.write(reply, RAW, { signal })
      if (history != null && key != null) {
        // each chunk sealed under the link key with its own nonce; an empty frame ends them
        let n = 0
        for await (const chunk of history) {
          if (++n > MAX_HISTORY_CHUNKS) break
          await frames.write(await this.crypto.aeadSeal(key, nonce(n), chunk, HISTORY_AD), RAW, { signal: AbortSignal.timeout(TIMEOUT_MS) })
        }
        await frames.write(new Uint8Array(0), RAW, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      }
      await stream.close({ signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(() => {})
    } catch (err: any) {
      stream.abort(err)
    }
  }

  /** 0x00 (0x02 when history chunks follow) || sealed payload, or 0x01 || a reason. */
  private async decide (req: Uint8Array, device: PeerId, grant: LinkGrant): Promise<{ reply: Uint8Array, history?: Granted['history'], key?: Uint8Array }> {
    const refuse = (why: string): { reply: Uint8Array } => ({ reply: concat([new Uint8Array([1]), fromString(why)]) })
    if (req.byteLength < 32 + REQUEST_BYTES) return refuse('malformed link request')
    this.prune()
    const codeKey = req.subarray(0, 32)
    const id = toHex(codeKey)
    const offer = this.offers.get(id)
    if (offer == null) return refuse('this link code is expired, used already, or not from this device: make a new one')
    // claimed before the first await: two requests racing with one code cannot both get it
    this.offers.delete(id)
    const deviceKey = req.subarray(32, 64)
    const cross = req.subarray(64, 128)
    const mac = req.subarray(128, 160)
    const name = req.subarray(160)
    try {
      const shared = await this.crypto.x25519(offer.privateKey, deviceKey)
      const keys = await deriveKeys(this.crypto, shared, peerIdFromString(offer.code.peer), device, codeKey, deviceKey)
      if (!equalBytes(await this.crypto.hmacSha256(keys.mac, macInput(cross, name)), mac)) {
        // not a holder of the code: the code goes back for its device, until it failed too often
        if (++offer.failures < LINK_MAX_FAILURES && offer.code.expiresAt > this.now()) this.offers.set(id, offer)
        throw new LinkError('bad MAC')
      }
      const granted = await grant.grant(device, cross, toString(name).slice(0, NAME_BYTES), keys.confirm, offer.options)
      const sealed = await this.crypto.aeadSeal(keys.seal, nonce(0), granted.payload, concat([SEAL_AD, device.toMultihash().bytes]))
      return { reply: concat([new Uint8Array([granted.history == null ? 0 : 2]), sealed]), history: granted.history, key: keys.seal }
    } catch (err: any) {
      return refuse(err instanceof LinkError ? 'the link request does not match the code (a code copied from elsewhere, or replayed by another device)' : `the link was refused: ${String(err.message).slice(0, 200)}`)
    }
  }
}

/**
 * The new device's side: send the request on a connection to the code's peer and open the answer.
 *
 * @param crossSign - the new device's half of its certificate for the code's identity
 * @returns the payload and the confirmation number both sides can show
 * @throws LinkError with the existing device's reason
 */
export async function requestLink (crypto: CryptoBackend, connection: Connection, me: PeerId, code: LinkCode, crossSign: Uint8Array, name: string, onHistory?: (chunk: Uint8Array, n: number) => Promise<void>): Promise<{ payload: Uint8Array, confirm: string, chunks: number }> {
  if (connection.remotePeer.toString() !== code.peer) throw new LinkError('connected to another peer than the code names')
  const { request, keys } = await linkRequest(crypto, me, code, crossSign, name)
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  const stream = await connection.newStream(LINK_PROTOCOL, { signal })
  try {
    const frames = frameStream(stream, { maxDataLength: Math.max(MAX_LINK_PAYLOAD_BYTES, MAX_HISTORY_CHUNK_BYTES) + 64 })
    await frames.write(request, RAW, { signal })
    const reply = await frames.read(RAW, { signal })
    if (reply.byteLength === 0) throw new LinkError('empty answer')
    if (reply[0] === 1) throw new LinkError(toString(reply.subarray(1)).slice(0, 300))
    let payload: Uint8Array
    try {
      payload = await crypto.aeadOpen(keys.seal, nonce(0), reply.subarray(1), concat([SEAL_AD, me.toMultihash().bytes]))
    } catch {
      throw new LinkError('the answer does not decrypt')
    }
    let chunks = 0
    // history follows: each chunk opens under its own nonce, in order; an empty frame ends it
    for (let n = 1; reply[0] === 2; n++) {
      const sealed = await frames.read(RAW, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      if (sealed.byteLength === 0) break
      if (n > MAX_HISTORY_CHUNKS) throw new LinkError('too much history')
      if (sealed.byteLength > MAX_HISTORY_CHUNK_BYTES + 16) throw new LinkError('a history chunk is too large')
      let chunk: Uint8Array
      try {
        chunk = await crypto.aeadOpen(keys.seal, nonce(n), sealed, HISTORY_AD)
      } catch {
        throw new LinkError('a history chunk does not decrypt')
      }
      chunks = n
      await onHistory?.(chunk, n)
    }
    await stream.close({ signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(() => {})
    return { payload, confirm: keys.confirm, chunks }
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}
