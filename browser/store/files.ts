/**
 * Files in IndexedDB; the reference behaviour is node/store/files.ts. A file's announcement (with
 * its key) is sealed at rest and bound to its record; `fetching` and `expiry` are set only on the
 * records those indexes must find. Chunks are kept as they travel (sealed under the file's key)
 * under a blob number that `fileBlobs` maps to the root. IndexedDB has no secure_delete: a deleted
 * file is gone from every read at once, and its bytes leave the browser's files when the backing
 * store compacts, as deleted mail does (browser/store/mailbox.ts).
 */
import { FileRef } from '../../protocol/pb/ferry.js'
import { toHex } from '../../protocol/util/bytes.js'
import { prefixRange, request, STORES, walk } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import type { FileStore, StoredChunk, StoredFile } from '../../protocol/stores/stores.js'

const FILES = STORES.files
const BLOBS = STORES.fileBlobs
const CHUNKS = STORES.fileChunks

interface FileRow { direction: 'in' | 'out', id: string, peer: string, root: string, ref: Uint8Array, status: StoredFile['status'], error?: string, createdAt: number, expiresAt?: number, fetching?: 1, expiry?: number }
interface BlobRow { blob?: number, root: string, orphanUntil?: number }

const fileName = (f: { direction: string, id: string, peer: string }): string => recordName(FILES, f.direction, f.id, f.peer)

/** FileStore on IndexedDB. */
export class IdbFileStore implements FileStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  async putFile (f: StoredFile): Promise<void> {
    const row: FileRow = { direction: f.direction, id: f.id, peer: f.peer, root: toHex(f.ref.root), ref: await this.key.seal(FileRef.encode(f.ref), fileName(f)), status: f.status, createdAt: f.createdAt }
    if (f.error != null) row.error = f.error
    if (f.expiresAt != null) row.expiresAt = row.expiry = f.expiresAt
    if (f.status === 'fetching') row.fetching = 1
    await this.db.write([FILES], tx => { tx.objectStore(FILES).put(row) })
  }

  async getFile (id: string, direction: 'in' | 'out', peer?: string): Promise<StoredFile | undefined> {
    const rows = await this.db.read([FILES], async tx => request<FileRow[]>(tx.objectStore(FILES).index('id').getAll(id)))
    const row = rows.find(r => r.direction === direction && (peer == null || r.peer === peer))
    return row == null ? undefined : await this.file(row)
  }

  async filesOf (ids: string[]): Promise<StoredFile[]> {
    const rows = await this.db.read([FILES], async tx => (await Promise.all(ids.map(async id => request<FileRow[]>(tx.objectStore(FILES).index('id').getAll(id))))).flat())
    return await Promise.all(rows.map(async r => this.file(r)))
  }

  async fileByRoot (root: string): Promise<StoredFile | undefined> {
    const row = await this.db.read([FILES], async tx => request<FileRow | undefined>(tx.objectStore(FILES).index('root').get(root)))
    return row == null ? undefined : await this.file(row)
  }

  async fetching (): Promise<StoredFile[]> {
    const rows = await this.db.read([FILES], async tx => request<FileRow[]>(tx.objectStore(FILES).index('fetching').getAll()))
    return await Promise.all(rows.map(async r => this.file(r)))
  }

  async putChunks (root: string, chunks: StoredChunk[], expiresAt?: number): Promise<void> {
    await this.db.write([BLOBS, CHUNKS], async tx => {
      const blobs = tx.objectStore(BLOBS)
      const row = await request<BlobRow | undefined>(blobs.index('root').get(root))
      const until = Math.max(row?.orphanUntil ?? 0, expiresAt ?? 0)
      const blob = row?.blob ?? await request(blobs.add({ root, ...(until > 0 && { orphanUntil: until }) })) as number
      if (row != null && until > (row.orphanUntil ?? 0)) blobs.put({ ...row, orphanUntil: until })
      for (const c of chunks) tx.objectStore(CHUNKS).put({ blob, idx: c.index, data: c.data })
    })
  }

  async moveChunks (from: string, to: string): Promise<void> {
    await this.db.write([BLOBS, CHUNKS], async tx => {
      const blobs = tx.objectStore(BLOBS)
      const source = await request<BlobRow | undefined>(blobs.index('root').get(from))
      if (source == null) return
      const target = await request<BlobRow | undefined>(blobs.index('root').get(to))
      if (target == null) {
        blobs.put({ ...source, root: to })
        return
      }
      const chunks = tx.objectStore(CHUNKS)
      for (const c of await request<Array<{ idx: number, data: Uint8Array }>>(chunks.getAll(prefixRange(source.blob as number)))) chunks.put({ blob: target.blob, idx: c.idx, data: c.data })
      chunks.delete(prefixRange(source.blob as number))
      blobs.delete(source.blob as number)
    })
  }

  async chunk (root: string, index: number): Promise<Uint8Array | undefined> {
    return await this.db.read([BLOBS, CHUNKS], async tx => {
      const blob = await request<BlobRow | undefined>(tx.objectStore(BLOBS).index('root').get(root))
      if (blob == null) return undefined
      return (await request<{ data: Uint8Array } | undefined>(tx.objectStore(CHUNKS).get([blob.blob as number, index])))?.data
    })
  }

  async held (root: string): Promise<number[]> {
    return await this.db.read([BLOBS, CHUNKS], async tx => {
      const blob = await request<BlobRow | undefined>(tx.objectStore(BLOBS).index('root').get(root))
      if (blob == null) return []
      return (await request(tx.objectStore(CHUNKS).getAllKeys(prefixRange(blob.blob as number)))).map(k => (k as number[])[1])
    })
  }

  async orphanBytes (): Promise<number> {
    return await this.db.read([FILES, BLOBS, CHUNKS], async tx => {
      let n = 0
      for (const b of await request<BlobRow[]>(tx.objectStore(BLOBS).getAll())) {
        if (await request(tx.objectStore(FILES).index('root').count(b.root)) > 0) continue
        for (const c of await request<Array<{ data: Uint8Array }>>(tx.objectStore(CHUNKS).getAll(prefixRange(b.blob as number)))) n += c.data.byteLength
      }
      return n
    })
  }

  async dropChunks (root: string, indices?: number[]): Promise<void> {
    await this.db.write([BLOBS, CHUNKS], async tx => {
      const blob = await request<BlobRow | undefined>(tx.objectStore(BLOBS).index('root').get(root))
      if (blob == null) return
      const chunks = tx.objectStore(CHUNKS)
      if (indices != null) {
        for (const i of indices) chunks.delete([blob.blob as number, i])
        return
      }
      chunks.delete(prefixRange(blob.blob as number))
      tx.objectStore(BLOBS).delete(blob.blob as number)
    })
  }

  async dropFile (id: string, direction: 'in' | 'out', peer: string): Promise<void> {
    await this.db.write([FILES, BLOBS, CHUNKS], async tx => {
      const row = await request<FileRow | undefined>(tx.objectStore(FILES).get([direction, id, peer]))
      if (row == null) return
      tx.objectStore(FILES).delete([direction, id, peer])
      await this.dropUnclaimed(tx, row.root)
    })
  }

  async sweep (now: number): Promise<number> {
    return await this.db.write([FILES, BLOBS, CHUNKS], async tx => {
      const gone: string[] = []
      await walk(tx.objectStore(FILES).index('expiry').openCursor(IDBKeyRange.upperBound(now)), cursor => {
        gone.push((cursor.value as FileRow).root)
        cursor.delete()
      })
      for (const root of gone) await this.dropUnclaimed(tx, root)
      let orphans = 0
      for (const b of await request<BlobRow[]>(tx.objectStore(BLOBS).getAll())) {
        if (b.orphanUntil == null || b.orphanUntil > now) continue
        if (await this.dropUnclaimed(tx, b.root)) orphans++
      }
      return gone.length + orphans
    })
  }

  async nextExpiry (): Promise<number | undefined> {
    return await this.db.read([FILES, BLOBS], async tx => {
      const first = await request<IDBCursorWithValue | null>(tx.objectStore(FILES).index('expiry').openCursor())
      const times = first == null ? [] : [(first.value as FileRow).expiresAt as number]
      for (const b of await request<BlobRow[]>(tx.objectStore(BLOBS).getAll())) {
        if (b.orphanUntil != null && await request(tx.objectStore(FILES).index('root').count(b.root)) === 0) times.push(b.orphanUntil)
      }
      return times.length === 0 ? undefined : Math.min(...times)
    })
  }

  /** Delete the chunks of `root` once no file record names it; @returns whether they went. */
  private async dropUnclaimed (tx: IDBTransaction, root: string): Promise<boolean> {
    if (await request(tx.objectStore(FILES).index('root').count(root)) > 0) return false
    const blob = await request<BlobRow | undefined>(tx.objectStore(BLOBS).index('root').get(root))
    if (blob == null) return false
    tx.objectStore(CHUNKS).delete(prefixRange(blob.blob as number))
    tx.objectStore(BLOBS).delete(blob.blob as number)
    return true
  }

  private async file (r: FileRow): Promise<StoredFile> {
    const f: StoredFile = { id: r.id, direction: r.direction, peer: r.peer, ref: FileRef.decode(await this.key.open(r.ref, fileName(r))), status: r.status, createdAt: r.createdAt }
    if (r.error != null) f.error = r.error
    if (r.expiresAt != null) f.expiresAt = r.expiresAt
    return f
  }
}
