/** Sealing a file into the store as it is read: the sender's half of protocol/files/ (files.ts sends it). */
import { toHex } from '../util/bytes.js'
import { cleanName, sealFile } from './chunks.js'
import { CHUNK_BYTES, MAX_TYPE_CHARS, ORPHAN_MS } from './constants.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { FileRef } from '../pb/ferry.js'
import type { FileStore, StoredChunk } from '../stores/files.js'
import type { SendMeta } from './types.js'

/**
 * Seal a file read from `source` into `store`, chunk by chunk (at most 16 held at once), and name
 * its chunks by its root once all are sealed. @returns its announcement
 *
 * @throws InvalidInputError when it is larger than `maxBytes` (nothing of it is kept)
 */
export async function sealInto (c: { store: FileStore, crypto: CryptoBackend, now(): number }, maxBytes: number, source: AsyncIterable<Uint8Array>, meta: SendMeta): Promise<FileRef> {
  const pending: StoredChunk[] = []
  // chunks are kept under a scratch name until the root is known (it hashes them all)
  const scratch = toHex(c.crypto.randomBytes(32))
  const keep = async (batch: StoredChunk[]): Promise<void> => { await c.store.putChunks(scratch, batch, c.now() + ORPHAN_MS) }
  let sealed
  try {
    sealed = await sealFile(c.crypto, source, maxBytes, async (index, data) => {
      pending.push({ index, data })
      if (pending.length >= 16) await keep(pending.splice(0))
    })
    await keep(pending.splice(0))
  } catch (err) {
    await c.store.dropChunks(scratch)
    throw err
  }
  const type = meta.type != null && meta.type.length <= MAX_TYPE_CHARS && /^[\w.+-]+\/[\w.+-]+$/.test(meta.type) ? meta.type : 'application/octet-stream'
  await c.store.moveChunks(scratch, toHex(sealed.root))
  return { name: cleanName(meta.name), type, chunkSize: CHUNK_BYTES, thumbnail: meta.thumbnail, id: sealed.id, key: sealed.key, size: sealed.size, chunks: sealed.chunks, root: sealed.root, sha256: sealed.sha256 }
}
