/**
 * The owner's prekeys in SQLite, sealed at rest. One-time prekey ids come from AUTOINCREMENT, so
 * an id is never reused; taking a one-time prekey and marking an initial message seen are single
 * statements, so each is atomic.
 */
import { prepared, transaction } from './sqlite.js'
import { SealedJson } from './sealed-json.js'
import type { AtRestCipher } from '../at-rest.js'
import type { IdentityDhRecord, KemPrekeyRecord, OneTimePrekey, PrekeyStore, SignedPrekeyRecord } from '../../protocol/crypto/prekeys.js'
import type { KeyPair } from '../../protocol/index.js'
import type { DatabaseSync } from 'node:sqlite'

type Kind = 'dh' | 'signed' | 'kem'

export class SqlitePrekeyStore implements PrekeyStore {
  private readonly json: SealedJson

  constructor (private readonly db: DatabaseSync, cipher?: AtRestCipher) {
    this.json = new SealedJson(cipher)
  }

  private read<T> (kind: Kind, where: string, arg?: number): T | undefined {
    const row = prepared(this.db, `SELECT id, retired_at, record FROM prekeys WHERE kind = ? AND ${where}`).get(kind, ...(arg == null ? [] : [arg])) as { id: number, retired_at: number | null, record: Uint8Array } | undefined
    if (row == null) return undefined
    const record = this.json.decode<any>(row.record, `prekey:${kind}:${row.id}`)
    if (row.retired_at != null) record.retiredAt = Number(row.retired_at)
    return record
  }

  private write (kind: Kind, id: number, record: object, current: boolean): void {
    const { retiredAt, ...rest } = record as { retiredAt?: number }
    prepared(this.db, 'INSERT INTO prekeys (kind, id, current, retired_at, record) VALUES (?, ?, ?, NULL, ?) ON CONFLICT (kind, id) DO UPDATE SET current = excluded.current, retired_at = NULL, record = excluded.record')
      .run(kind, id, current ? 1 : 0, this.json.encode(rest, `prekey:${kind}:${id}`))
  }

  async identityDh (): Promise<IdentityDhRecord | undefined> {
    return this.read('dh', 'id = 0')
  }

  async putIdentityDh (record: IdentityDhRecord): Promise<void> {
    this.write('dh', 0, record, true)
  }

  async signedPrekey (id: number): Promise<SignedPrekeyRecord | undefined> {
    return this.read('signed', 'id = ?', id)
  }

  async currentSignedPrekey (): Promise<SignedPrekeyRecord | undefined> {
    return this.read('signed', 'current = 1')
  }

  async kemPrekey (id: number): Promise<KemPrekeyRecord | undefined> {
    return this.read('kem', 'id = ?', id)
  }

  async currentKemPrekey (): Promise<KemPrekeyRecord | undefined> {
    return this.read('kem', 'current = 1')
  }

  async putSignedPrekeys (signed: SignedPrekeyRecord, kem: KemPrekeyRecord): Promise<void> {
    transaction(this.db, () => {
      prepared(this.db, 'UPDATE prekeys SET current = 0, retired_at = ? WHERE kind = \'signed\' AND current = 1').run(signed.createdAt)
      prepared(this.db, 'UPDATE prekeys SET current = 0, retired_at = ? WHERE kind = \'kem\' AND current = 1').run(kem.createdAt)
      this.write('signed', signed.id, signed, true)
      this.write('kem', kem.id, kem, true)
    })
  }

  async removeRetiredPrekeys (time: number): Promise<void> {
    transaction(this.db, () => {
      prepared(this.db, 'DELETE FROM seen_initial WHERE signed_prekey_id IN (SELECT id FROM prekeys WHERE kind = \'signed\' AND retired_at < ?)').run(time)
      prepared(this.db, 'DELETE FROM prekeys WHERE kind IN (\'signed\', \'kem\') AND retired_at < ?').run(time)
    })
  }

  async putOneTimePrekeys (pairs: KeyPair[]): Promise<number[]> {
    return transaction(this.db, () => pairs.map(pair => {
      const { id } = prepared(this.db, 'INSERT INTO one_time_prekeys (issued, record) VALUES (0, x\'\') RETURNING id').get() as { id: number }
      prepared(this.db, 'UPDATE one_time_prekeys SET record = ? WHERE id = ?').run(this.json.encode(pair, `prekey:one-time:${id}`), id)
      return Number(id)
    }))
  }

  async issueOneTimePrekey (issuedAt?: number): Promise<OneTimePrekey | undefined> {
    const row = prepared(this.db, 'UPDATE one_time_prekeys SET issued = 1, issued_at = ? WHERE id = (SELECT id FROM one_time_prekeys WHERE issued = 0 ORDER BY id LIMIT 1) RETURNING id, record').get(issuedAt ?? null) as { id: number, record: Uint8Array } | undefined
    if (row == null) return undefined
    const pair = this.json.decode<KeyPair>(row.record, `prekey:one-time:${row.id}`)
    return { id: Number(row.id), publicKey: pair.publicKey }
  }

  async countOneTimePrekeys (): Promise<{ unissued: number, issued: number }> {
    const row = prepared(this.db, 'SELECT COUNT(*) - COALESCE(SUM(issued), 0) AS unissued, COALESCE(SUM(issued), 0) AS issued FROM one_time_prekeys').get() as { unissued: number, issued: number }
    return { unissued: Number(row.unissued), issued: Number(row.issued) }
  }

  async removeIssuedOneTimePrekeys (time: number): Promise<number> {
    return Number(prepared(this.db, 'DELETE FROM one_time_prekeys WHERE issued_at IS NOT NULL AND issued_at < ?').run(time).changes)
  }

  async oneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const row = prepared(this.db, 'SELECT record FROM one_time_prekeys WHERE id = ?').get(id) as { record: Uint8Array } | undefined
    return row == null ? undefined : this.json.decode<KeyPair>(row.record, `prekey:one-time:${id}`)
  }

  async takeOneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const row = prepared(this.db, 'DELETE FROM one_time_prekeys WHERE id = ? RETURNING record').get(id) as { record: Uint8Array } | undefined
    return row == null ? undefined : this.json.decode<KeyPair>(row.record, `prekey:one-time:${id}`)
  }

  async markInitialMessageSeen (hash: Uint8Array, signedPrekeyId: number): Promise<boolean> {
    const r = prepared(this.db, 'INSERT INTO seen_initial (hash, signed_prekey_id) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING').run(hash, signedPrekeyId)
    return Number(r.changes) === 1
  }

  async initialMessageSeen (hash: Uint8Array): Promise<boolean> {
    return prepared(this.db, 'SELECT 1 FROM seen_initial WHERE hash = ?').get(hash) != null
  }

  /** How many one-time prekeys were never handed out (to top them up). */
  unissuedOneTimePrekeys (): number {
    return Number((prepared(this.db, 'SELECT COUNT(*) AS n FROM one_time_prekeys WHERE issued = 0').get() as { n: number }).n)
  }
}
