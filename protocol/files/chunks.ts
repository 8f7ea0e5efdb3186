/**
 * The chunk format: a file split into CHUNK_BYTES pieces, each sealed with ChaCha20-Poly1305
 * under the file's fresh key. The nonce is the chunk's index (a key seals one file only); the
 * associated data binds the file id, the index and whether it is the last chunk, so a chunk of
 * another file, a chunk moved to another index and a file cut short each fail. The file's root
 * (SHA-256 over every sealed chunk's SHA-256) names the file for holders, who see only sealed
 * chunks; the plaintext SHA-256 is checked once the whole file is held.
 */
import { InvalidInputError } from '../errors.js'
import { CHUNK_BYTES, MAX_FILE_BYTES_LIMIT, MAX_NAME_BYTES, MAX_THUMBNAIL_BYTES, MAX_TYPE_CHARS } from './constants.js'
import { pad } from '../messaging/envelope.js'
import { Envelope } from '../pb/ferry.js'
import { toHex } from '../util/bytes.js'
import { sha256Hasher } from '../crypto/backend.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { FileRef } from '../pb/ferry.js'

export const FILE_ID_BYTES = 16
export const FILE_KEY_BYTES = 32
const LABEL = new TextEncoder().encode('ferry-file-v1')

/** A chunk is not what its file's announcement says: forged, of another file, cut, or misplaced. */
export class ChunkError extends Error {
  override name = 'ChunkError'
}

/** How many chunks a file of `size` bytes has: at least one (an empty file is one empty final chunk). */
export function chunkCount (size: number, chunkSize = CHUNK_BYTES): number {
  return Math.max(1, Math.ceil(size / chunkSize))
}

function nonce (index: number): Uint8Array {
  const n = new Uint8Array(12)
  new DataView(n.buffer).setUint32(8, index)
  return n
}

function associated (id: Uint8Array, index: number, final: boolean): Uint8Array {
  const ad = new Uint8Array(LABEL.byteLength + id.byteLength + 5)
  ad.set(LABEL)
  ad.set(id, LABEL.byteLength)
  const view = new DataView(ad.buffer)
  view.setUint32(LABEL.byteLength + id.byteLength, index)
  ad[ad.byteLength - 1] = final ? 1 : 0
  return ad
}

/** The plaintext length chunk `index` of `ref` must have. */
export function plainLength (ref: Pick<FileRef, 'size' | 'chunkSize' | 'chunks'>, index: number): number {
  return index < ref.chunks - 1 ? ref.chunkSize : ref.size - ref.chunkSize * (ref.chunks - 1)
}

/**
 * Open chunk `index` of the file `ref` announces.
 *
 * @throws ChunkError when the index is outside the file, the length is wrong, or authentication fails
 */
export async function openChunk (crypto: CryptoBackend, ref: FileRef, index: number, sealed: Uint8Array): Promise<Uint8Array> {
  if (!Number.isInteger(index) || index < 0 || index >= ref.chunks) throw new ChunkError(`chunk ${index} is outside a file of ${ref.chunks} chunks`)
  if (sealed.byteLength !== plainLength(ref, index) + 16) throw new ChunkError(`chunk ${index} is ${sealed.byteLength} bytes, not the ${plainLength(ref, index) + 16} announced`)
  try {
    return await crypto.aeadOpen(ref.key, nonce(index), sealed, associated(ref.id, index, index === ref.chunks - 1))
  } catch {
    throw new ChunkError(`chunk ${index} fails authentication (altered, of another file, or out of place)`)
  }
}

/** What sealing a file gives: its chunks went to `put` as they were made. */
export interface Sealed { id: Uint8Array, key: Uint8Array, size: number, chunks: number, root: Uint8Array, sha256: Uint8Array }

/**
 * Seal a file read as a stream of byte pieces of any size, handing each sealed chunk to `put` in
 * order (nothing but one chunk is held at once).
 *
 * @throws InvalidInputError when the file is larger than `maxBytes` (nothing of it is kept by the caller)
 */
export async function sealFile (crypto: CryptoBackend, source: AsyncIterable<Uint8Array>, maxBytes: number, put: (index: number, sealed: Uint8Array) => Promise<void>): Promise<Sealed> {
  const id = crypto.randomBytes(FILE_ID_BYTES)
  const key = crypto.randomBytes(FILE_KEY_BYTES)
  const plain = sha256Hasher(crypto)
  const hashes: Uint8Array[] = []
  let buffer = new Uint8Array(CHUNK_BYTES)
  let filled = 0
  let size = 0
  let index = 0
  const flush = async (final: boolean): Promise<void> => {
    const sealed = await crypto.aeadSeal(key, nonce(index), buffer.subarray(0, filled), associated(id, index, final))
    hashes.push(await crypto.sha256(sealed))
    await put(index++, sealed)
    buffer = new Uint8Array(CHUNK_BYTES)
    filled = 0
  }
  for await (const piece of source) {
    size += piece.byteLength
    if (size > maxBytes) throw new InvalidInputError(`the file is larger than ${maxBytes} bytes, the most this node sends`)
    plain.update(piece)
    let at = 0
    while (at < piece.byteLength) {
      // a full buffer is sealed only once more bytes come: the last chunk must carry the final flag
      if (filled === CHUNK_BYTES) await flush(false)
      const n = Math.min(CHUNK_BYTES - filled, piece.byteLength - at)
      buffer.set(piece.subarray(at, at + n), filled)
      filled += n
      at += n
    }
  }
  await flush(true)
  return { id, key, size, chunks: index, root: await rootOf(crypto, hashes), sha256: plain.digest() }
}

/** The content address: SHA-256 over the sealed chunks' SHA-256s, in order. */
export async function rootOf (crypto: CryptoBackend, hashes: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(hashes.length * 32)
  hashes.forEach((h, i) => all.set(h, i * 32))
  return crypto.sha256(all)
}

/** A file name as it may travel and be written: the last path component, no control characters. */
export function cleanName (name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim()
  if (clean === '' || clean === '.' || clean === '..') return 'file'
  let out = clean
  while (new TextEncoder().encode(out).byteLength > MAX_NAME_BYTES) out = out.slice(0, -1)
  return out
}

/**
 * Check an announced file before anything is fetched or stored for it.
 *
 * @throws InvalidInputError naming what is wrong
 */
export function checkRef (ref: FileRef, maxBytes = MAX_FILE_BYTES_LIMIT): void {
  if (ref.id.byteLength !== FILE_ID_BYTES || ref.key.byteLength !== FILE_KEY_BYTES) throw new InvalidInputError('a file announcement has a malformed id or key')
  if (ref.root.byteLength !== 32 || ref.sha256.byteLength !== 32) throw new InvalidInputError('a file announcement has a malformed hash')
  if (!Number.isSafeInteger(ref.size) || ref.size < 0 || ref.size > maxBytes) throw new InvalidInputError(`a file of ${ref.size} bytes is over the ${maxBytes} bytes this node takes`)
  if (ref.chunkSize !== CHUNK_BYTES) throw new InvalidInputError(`a file announcement has chunks of ${ref.chunkSize} bytes, not ${CHUNK_BYTES}`)
  if (ref.chunks !== chunkCount(ref.size, ref.chunkSize)) throw new InvalidInputError('a file announcement\'s chunk count does not match its size')
  if (ref.name !== cleanName(ref.name)) throw new InvalidInputError('a file announcement has a malformed name')
  if (ref.type.length > MAX_TYPE_CHARS || !/^[\w.+-]+\/[\w.+-]+$/.test(ref.type)) throw new InvalidInputError('a file announcement has a malformed media type')
  if ((ref.thumbnail?.byteLength ?? 0) > MAX_THUMBNAIL_BYTES) throw new InvalidInputError(`a thumbnail is over ${MAX_THUMBNAIL_BYTES} bytes`)
}

/**
 * Chunk `index` of the file `root` as an envelope to leave at a mailbox next to `message` (same
 * recipient device, same times). Its id is derived from root, device and index: the same chunk
 * for the same device is the same deposit, which a host keeps once.
 */
export async function chunkEnvelope (crypto: CryptoBackend, root: Uint8Array, index: number, sealed: Uint8Array, message: Envelope): Promise<{ id: string, envelope: Uint8Array }> {
  const seed = new Uint8Array(root.byteLength + message.recipientDevice.byteLength + 4)
  seed.set(root)
  seed.set(message.recipientDevice, root.byteLength)
  new DataView(seed.buffer).setUint32(seed.byteLength - 4, index)
  const id = (await crypto.sha256(seed)).subarray(0, 16)
  const envelope = Envelope.encode({ version: message.version, id, recipient: message.recipient, recipientDevice: message.recipientDevice, created: message.created, expiresAt: message.expiresAt, payload: pad(sealed), chunk: { root, index } })
  return { id: toHex(id), envelope }
}
