/**
 * Files in SQLite (protocol/stores/files.ts): one row per file sent or received, its announcement
 * (which holds the file's key) sealed at rest under an AAD naming the row; the sealed chunks in
 * file_chunks by root and index (already encrypted under the file's key: kept as they travel). A
 * deleted file's chunks and key are overwritten in the database file (secure_delete) and
 * checkpointed out of the WAL soon after (eraseSoon), as acknowledged mail is.
 */
import { FileRef } from '../../protocol/pb/ferry.js'
import { eraseSoon, prepared, transaction } from './sqlite.js'
import type { AtRestCipher } from '../at-rest.js'
import type { FileStatus, FileStore, StoredChunk, StoredFile } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface FileRow { id: string, direction: 'in' | 'out', peer: string, ref: Uint8Array, status: FileStatus, error: string | null, created_at: number, expires_at: number | null }

const FILE_COLUMNS = 'id, direction, peer, ref, status, error, created_at, expires_at'

export class SqliteFileStore implements FileStore {
  private readonly stmt: Record<string, StatementSync>

  /** @param cipher - seals announcements at rest; without one they are kept in the clear (tests) */
  constructor (private readonly db: DatabaseSync, private readonly cipher?: AtRestCipher) {
    const unclaimed = 'NOT EXISTS (SELECT 1 FROM files f WHERE f.root = b.root)'
    this.stmt = {
      put: db.prepare(`INSERT INTO files (${FILE_COLUMNS}, root) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (direction, id, peer) DO UPDATE SET ref = excluded.ref, status = excluded.status, error = excluded.error, expires_at = excluded.expires_at, root = excluded.root`),
      get: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE direction = ? AND id = ? AND peer = ?`),
      getAny: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE direction = ? AND id = ? LIMIT 1`),
      byRoot: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE root = ? LIMIT 1`),
      fetching: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE status = 'fetching'`),
      blob: db.prepare('SELECT blob FROM file_blobs WHERE root = ?'),
      addBlob: db.prepare('INSERT INTO file_blobs (root, orphan_until) VALUES (?, ?) ON CONFLICT (root) DO UPDATE SET orphan_until = MAX(COALESCE(orphan_until, 0), COALESCE(excluded.orphan_until, 0)) RETURNING blob'),
      putChunk: db.prepare('INSERT OR REPLACE INTO file_chunks (blob, idx, data) VALUES (?, ?, ?)'),
      chunk: db.prepare('SELECT c.data FROM file_chunks c JOIN file_blobs b ON b.blob = c.blob WHERE b.root = ? AND c.idx = ?'),
      held: db.prepare('SELECT c.idx FROM file_chunks c JOIN file_blobs b ON b.blob = c.blob WHERE b.root = ? ORDER BY c.idx'),
      orphans: db.prepare(`SELECT COALESCE(SUM(LENGTH(c.data)), 0) AS n FROM file_chunks c JOIN file_blobs b ON b.blob = c.blob WHERE ${unclaimed}`),
      dropChunks: db.prepare('DELETE FROM file_chunks WHERE blob = ?'),
      dropBlob: db.prepare('DELETE FROM file_blobs WHERE blob = ?'),
      dropOne: db.prepare('DELETE FROM file_chunks WHERE blob = ? AND idx = ?'),
      rename: db.prepare('UPDATE file_blobs SET root = ? WHERE root = ?'),
      moveChunks: db.prepare('INSERT OR REPLACE INTO file_chunks (blob, idx, data) SELECT ?, idx, data FROM file_chunks WHERE blob = ?'),
      dropFile: db.prepare('DELETE FROM files WHERE direction = ? AND id = ? AND peer = ? RETURNING root'),
      claimed: db.prepare('SELECT 1 FROM files WHERE root = ? LIMIT 1'),
      expired: db.prepare('DELETE FROM files WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING root'),
      orphansDue: db.prepare(`SELECT b.blob FROM file_blobs b WHERE b.orphan_until <= ? AND ${unclaimed}`),
      next: db.prepare(`SELECT MIN(t) AS t FROM (SELECT MIN(expires_at) AS t FROM files WHERE expires_at IS NOT NULL UNION ALL SELECT MIN(orphan_until) AS t FROM file_blobs b WHERE orphan_until IS NOT NULL AND ${unclaimed})`)
    }
  }

  async putFile (f: StoredFile): Promise<void> {
    const ref = this.seal(FileRef.encode(f.ref), this.aad(f))
    this.stmt.put.run(f.id, f.direction, f.peer, ref, f.status, f.error ?? null, f.createdAt, f.expiresAt ?? null, hex(f.ref.root))
  }

  async getFile (id: string, direction: 'in' | 'out', peer?: string): Promise<StoredFile | undefined> {
    const row = (peer == null ? this.stmt.getAny.get(direction, id) : this.stmt.get.get(direction, id, peer)) as unknown as FileRow | undefined
    return row == null ? undefined : this.file(row)
  }

  async filesOf (ids: string[]): Promise<StoredFile[]> {
    const out: StoredFile[] = []
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500)
      const rows = prepared(this.db, `SELECT ${FILE_COLUMNS} FROM files WHERE id IN (${part.map(() => '?').join(', ')})`).all(...part) as unknown as FileRow[]
      out.push(...rows.map(r => this.file(r)))
    }
    return out
  }

  async fileByRoot (root: string): Promise<StoredFile | undefined> {
    const row = this.stmt.byRoot.get(root) as unknown as FileRow | undefined
    return row == null ? undefined : this.file(row)
  }

  async fetching (): Promise<StoredFile[]> {
    return (this.stmt.fetching.all() as unknown as FileRow[]).map(r => this.file(r))
  }

  async putChunks (root: string, chunks: StoredChunk[], expiresAt?: number): Promise<void> {
    transaction(this.db, () => {
      const { blob } = this.stmt.addBlob.get(root, expiresAt ?? null) as { blob: number }
      for (const c of chunks) this.stmt.putChunk.run(blob, c.index, c.data)
    })
  }

  async moveChunks (from: string, to: string): Promise<void> {
    transaction(this.db, () => {
      const source = this.blobOf(from)
      if (source == null) return
      const target = this.blobOf(to)
      if (target == null) return this.stmt.rename.run(to, from)
      this.stmt.moveChunks.run(target, source)
      this.dropBlob(source)
    })
  }

  async chunk (root: string, index: number): Promise<Uint8Array | undefined> {
    const row = this.stmt.chunk.get(root, index) as { data: Uint8Array } | undefined
    return row == null ? undefined : new Uint8Array(row.data)
  }

  async held (root: string): Promise<number[]> {
    return (this.stmt.held.all(root) as Array<{ idx: number }>).map(r => Number(r.idx))
  }

  async orphanBytes (): Promise<number> {
    return Number((this.stmt.orphans.get() as { n: number }).n)
  }

  async dropChunks (root: string, indices?: number[]): Promise<void> {
    const n = transaction(this.db, () => {
      const blob = this.blobOf(root)
      if (blob == null) return 0
      if (indices == null) return this.dropBlob(blob)
      return indices.reduce((n, i) => n + Number(this.stmt.dropOne.run(blob, i).changes), 0)
    })
    if (n > 0) eraseSoon(this.db)
  }

  async dropFile (id: string, direction: 'in' | 'out', peer: string): Promise<void> {
    transaction(this.db, () => {
      for (const { root } of this.stmt.dropFile.all(direction, id, peer) as Array<{ root: string }>) this.dropUnclaimed(root)
    })
    eraseSoon(this.db)
  }

  async sweep (now: number): Promise<number> {
    const n = transaction(this.db, () => {
      const gone = this.stmt.expired.all(now) as Array<{ root: string }>
      for (const { root } of gone) this.dropUnclaimed(root)
      const orphans = this.stmt.orphansDue.all(now) as Array<{ blob: number }>
      for (const { blob } of orphans) this.dropBlob(Number(blob))
      return gone.length + orphans.length
    })
    // the key and the chunks must not linger in the WAL either
    if (n > 0) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    const t = (this.stmt.next.get() as { t: number | null }).t
    return t == null ? undefined : Number(t)
  }

  private blobOf (root: string): number | undefined {
    const row = this.stmt.blob.get(root) as { blob: number } | undefined
    return row == null ? undefined : Number(row.blob)
  }

  /** Delete a blob and its chunks; @returns how many chunks went. */
  private dropBlob (blob: number): number {
    const n = Number(this.stmt.dropChunks.run(blob).changes)
    this.stmt.dropBlob.run(blob)
    return n
  }

  /** The chunks of `root`, once no file row names it. */
  private dropUnclaimed (root: string): void {
    const blob = this.blobOf(root)
    if (blob != null && this.stmt.claimed.get(root) == null) this.dropBlob(blob)
  }

  private file (r: FileRow): StoredFile {
    const f: StoredFile = { id: r.id, direction: r.direction, peer: r.peer, ref: FileRef.decode(this.open(r.ref, this.aad({ id: r.id, direction: r.direction, peer: r.peer }))), status: r.status, createdAt: Number(r.created_at) }
    if (r.error != null) f.error = r.error
    if (r.expires_at != null) f.expiresAt = Number(r.expires_at)
    return f
  }

  private aad (f: { id: string, direction: string, peer: string }): Uint8Array {
    return new TextEncoder().encode(`file:${f.direction}:${f.id}:${f.peer}`)
  }

  private seal (bytes: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.cipher == null ? bytes : this.cipher.seal(bytes, aad)
  }

  private open (stored: Uint8Array, aad: Uint8Array): Uint8Array {
    return this.cipher == null ? new Uint8Array(stored) : this.cipher.open(stored, aad)
  }
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
