/**
 * Files in SQLite (protocol/stores/files.ts): one row per file sent or received, its announcement
 * (which holds the file's key) sealed at rest under an AAD naming the row; the sealed chunks in
 * file_chunks by root and index (already encrypted under the file's key: kept as they travel). A
 * deleted file's chunks and key are overwritten in the database file (secure_delete) and
 * checkpointed out of the WAL soon after (eraseSoon), as acknowledged mail is.
 */
import { FileRef } from '../../protocol/pb/ferry.js'
import { eraseSoon, transaction } from './sqlite.js'
import type { AtRestCipher } from '../at-rest.js'
import type { FileStatus, FileStore, StoredChunk, StoredFile } from '../../protocol/index.js'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

interface FileRow { id: string, direction: 'in' | 'out', peer: string, ref: Uint8Array, status: FileStatus, error: string | null, created_at: number, expires_at: number | null }

const FILE_COLUMNS = 'id, direction, peer, ref, status, error, created_at, expires_at'

export class SqliteFileStore implements FileStore {
  private readonly stmt: Record<string, StatementSync>

  /** @param cipher - seals announcements at rest; without one they are kept in the clear (tests) */
  constructor (private readonly db: DatabaseSync, private readonly cipher?: AtRestCipher) {
    this.stmt = {
      put: db.prepare(`INSERT INTO files (${FILE_COLUMNS}, root) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (direction, id, peer) DO UPDATE SET ref = excluded.ref, status = excluded.status, error = excluded.error, expires_at = excluded.expires_at, root = excluded.root`),
      get: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE direction = ? AND id = ? AND peer = ?`),
      getAny: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE direction = ? AND id = ? LIMIT 1`),
      byRoot: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE root = ? LIMIT 1`),
      fetching: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE status = 'fetching'`),
      putChunk: db.prepare('INSERT INTO file_chunks (root, idx, data, orphan_until) VALUES (?, ?, ?, ?) ON CONFLICT (root, idx) DO UPDATE SET data = excluded.data, orphan_until = MAX(COALESCE(orphan_until, 0), COALESCE(excluded.orphan_until, 0))'),
      chunk: db.prepare('SELECT data FROM file_chunks WHERE root = ? AND idx = ?'),
      held: db.prepare('SELECT idx FROM file_chunks WHERE root = ? ORDER BY idx'),
      orphans: db.prepare('SELECT COALESCE(SUM(LENGTH(data)), 0) AS n FROM file_chunks c WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.root = c.root)'),
      dropAll: db.prepare('DELETE FROM file_chunks WHERE root = ?'),
      dropOne: db.prepare('DELETE FROM file_chunks WHERE root = ? AND idx = ?'),
      move: db.prepare('UPDATE OR REPLACE file_chunks SET root = ? WHERE root = ?'),
      dropFile: db.prepare('DELETE FROM files WHERE direction = ? AND id = ? AND peer = ? RETURNING root'),
      claimed: db.prepare('SELECT 1 FROM files WHERE root = ? LIMIT 1'),
      expired: db.prepare('DELETE FROM files WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING root'),
      dropOrphans: db.prepare('DELETE FROM file_chunks WHERE orphan_until <= ? AND NOT EXISTS (SELECT 1 FROM files f WHERE f.root = file_chunks.root)'),
      next: db.prepare('SELECT MIN(t) AS t FROM (SELECT MIN(expires_at) AS t FROM files WHERE expires_at IS NOT NULL UNION ALL SELECT MIN(orphan_until) AS t FROM file_chunks c WHERE orphan_until IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files f WHERE f.root = c.root))')
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
      const rows = this.db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE id IN (${part.map(() => '?').join(', ')})`).all(...part) as unknown as FileRow[]
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
      for (const c of chunks) this.stmt.putChunk.run(root, c.index, c.data, expiresAt ?? null)
    })
  }

  async moveChunks (from: string, to: string): Promise<void> {
    this.stmt.move.run(to, from)
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
    const n = transaction(this.db, () => indices == null ? Number(this.stmt.dropAll.run(root).changes) : indices.reduce((n, i) => n + Number(this.stmt.dropOne.run(root, i).changes), 0))
    if (n > 0) eraseSoon(this.db)
  }

  async dropFile (id: string, direction: 'in' | 'out', peer: string): Promise<void> {
    transaction(this.db, () => {
      for (const { root } of this.stmt.dropFile.all(direction, id, peer) as Array<{ root: string }>) {
        if (this.stmt.claimed.get(root) == null) this.stmt.dropAll.run(root)
      }
    })
    eraseSoon(this.db)
  }

  async sweep (now: number): Promise<number> {
    const n = transaction(this.db, () => {
      const gone = this.stmt.expired.all(now) as Array<{ root: string }>
      for (const { root } of gone) if (this.stmt.claimed.get(root) == null) this.stmt.dropAll.run(root)
      return gone.length + Number(this.stmt.dropOrphans.run(now).changes)
    })
    // the key and the chunks must not linger in the WAL either
    if (n > 0) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    const t = (this.stmt.next.get() as { t: number | null }).t
    return t == null ? undefined : Number(t)
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
