/**
 * The owner's PQXDH prekeys in IndexedDB, every record sealed at rest (browser/store/at-rest.ts);
 * the reference behaviour is node/store/prekeys.ts.
 *
 * - Signed and KEM prekeys live in one store keyed [kind, id]; the current one of each kind carries
 *   `currentKind`, a unique index, so there is never more than one current per kind.
 * - One-time prekey ids come from a counter in `meta` that only grows: a batch first reserves its
 *   ids (one transaction), then seals each pair bound to its id, then writes the pairs (a second
 *   transaction). A crash between the two loses only unused ids, never reuses one.
 * - Issuing, taking and replay marks are single transactions, so each happens at most once even
 *   with two tabs open.
 */
import { request, STORES, walk } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import type { IdentityDhRecord, KemPrekeyRecord, OneTimePrekey, PrekeyStore, SignedPrekeyRecord } from '../../protocol/crypto/prekeys.js'
import type { KeyPair } from '../../protocol/crypto/backend.js'

const P = STORES.prekeys
const ONE_TIME = STORES.oneTimePrekeys
const SEEN = STORES.seenInitial
const META = STORES.meta
const NEXT_ONE_TIME = 'nextOneTimePrekeyId'

type Kind = 'dh' | 'signed' | 'kem'

interface PrekeyRow { kind: Kind, id: number, currentKind?: Kind, retiredAt?: number, record: Uint8Array }
interface OneTimeRow { id: number, unissued?: 1, issuedAt?: number, record: Uint8Array }

const prekeyName = (kind: Kind, id: number): string => recordName(P, kind, id)
const oneTimeName = (id: number): string => recordName(ONE_TIME, id)
const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

/** PrekeyStore on IndexedDB. */
export class IdbPrekeyStore implements PrekeyStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  private async open<T> (row: PrekeyRow | undefined): Promise<T | undefined> {
    if (row == null) return undefined
    const record = await this.key.openJson<any>(row.record, prekeyName(row.kind, row.id))
    if (row.retiredAt != null) record.retiredAt = row.retiredAt
    return record
  }

  private async seal (kind: Kind, id: number, record: object): Promise<PrekeyRow> {
    const { retiredAt, ...rest } = record as { retiredAt?: number }
    return { kind, id, currentKind: kind, record: await this.key.sealJson(rest, prekeyName(kind, id)) }
  }

  private async byKey (kind: Kind, id: number): Promise<PrekeyRow | undefined> {
    return this.db.read([P], async tx => request<PrekeyRow | undefined>(tx.objectStore(P).get([kind, id])))
  }

  private async current (kind: Kind): Promise<PrekeyRow | undefined> {
    return this.db.read([P], async tx => request<PrekeyRow | undefined>(tx.objectStore(P).index('current').get(kind)))
  }

  async identityDh (): Promise<IdentityDhRecord | undefined> {
    return this.open(await this.byKey('dh', 0))
  }

  async putIdentityDh (record: IdentityDhRecord): Promise<void> {
    const row = await this.seal('dh', 0, record)
    await this.db.write([P], tx => { tx.objectStore(P).put(row) })
  }

  async signedPrekey (id: number): Promise<SignedPrekeyRecord | undefined> {
    return this.open(await this.byKey('signed', id))
  }

  async currentSignedPrekey (): Promise<SignedPrekeyRecord | undefined> {
    return this.open(await this.current('signed'))
  }

  async kemPrekey (id: number): Promise<KemPrekeyRecord | undefined> {
    return this.open(await this.byKey('kem', id))
  }

  async currentKemPrekey (): Promise<KemPrekeyRecord | undefined> {
    return this.open(await this.current('kem'))
  }

  async putSignedPrekeys (signed: SignedPrekeyRecord, kem: KemPrekeyRecord): Promise<void> {
    const rows = [await this.seal('signed', signed.id, signed), await this.seal('kem', kem.id, kem)]
    const retiredAt = { signed: signed.createdAt, kem: kem.createdAt }
    await this.db.write([P], async tx => {
      const store = tx.objectStore(P)
      for (const row of rows) {
        const old = await request<PrekeyRow | undefined>(store.index('current').get(row.kind))
        if (old != null && old.id !== row.id) {
          delete old.currentKind
          old.retiredAt = retiredAt[row.kind as 'signed' | 'kem']
          store.put(old)
        }
        store.put(row)
      }
    })
  }

  async removeRetiredPrekeys (time: number): Promise<void> {
    await this.db.write([P, SEEN], async tx => {
      const gone: number[] = []
      await walk(tx.objectStore(P).openCursor(), cursor => {
        const row = cursor.value as PrekeyRow
        if (row.kind === 'dh' || row.retiredAt == null || row.retiredAt >= time) return
        cursor.delete()
        if (row.kind === 'signed') gone.push(row.id)
      })
      const seen = tx.objectStore(SEEN)
      for (const id of gone) {
        for (const hash of await request(seen.index('signedPrekey').getAllKeys(id))) seen.delete(hash)
      }
    })
  }

  async putOneTimePrekeys (pairs: KeyPair[]): Promise<number[]> {
    if (pairs.length === 0) return []
    const first = await this.db.write([META], async tx => {
      const meta = tx.objectStore(META)
      const next = Number(await request(meta.get(NEXT_ONE_TIME)) ?? 1)
      meta.put(next + pairs.length, NEXT_ONE_TIME)
      return next
    })
    const ids = pairs.map((_, i) => first + i)
    const rows: OneTimeRow[] = await Promise.all(pairs.map(async (pair, i) => ({ id: ids[i], unissued: 1 as const, record: await this.key.sealJson(pair, oneTimeName(ids[i])) })))
    await this.db.write([ONE_TIME], tx => {
      const store = tx.objectStore(ONE_TIME)
      for (const row of rows) store.add(row)
    })
    return ids
  }

  async issueOneTimePrekey (issuedAt?: number): Promise<OneTimePrekey | undefined> {
    const row = await this.db.write([ONE_TIME], async tx => {
      const store = tx.objectStore(ONE_TIME)
      const cursor = await request(store.index('unissued').openCursor())
      if (cursor == null) return undefined
      const found = cursor.value as OneTimeRow
      delete found.unissued
      if (issuedAt != null) found.issuedAt = issuedAt
      store.put(found)
      return found
    })
    if (row == null) return undefined
    const pair = await this.key.openJson<KeyPair>(row.record, oneTimeName(row.id))
    return { id: row.id, publicKey: pair.publicKey }
  }

  async countOneTimePrekeys (): Promise<{ unissued: number, issued: number }> {
    return this.db.read([ONE_TIME], async tx => {
      const store = tx.objectStore(ONE_TIME)
      const [all, unissued] = await Promise.all([request(store.count()), request(store.index('unissued').count())])
      return { unissued, issued: all - unissued }
    })
  }

  /** A walk over the handed-out prekeys: they are few (bounded by the bundle service's budgets). */
  async removeIssuedOneTimePrekeys (time: number): Promise<number> {
    return this.db.write([ONE_TIME], async tx => {
      let n = 0
      await walk(tx.objectStore(ONE_TIME).openCursor(), cursor => {
        const row = cursor.value as OneTimeRow
        if (row.issuedAt == null || row.issuedAt >= time) return
        cursor.delete()
        n++
      })
      return n
    })
  }

  async oneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const row = await this.db.read([ONE_TIME], async tx => request<OneTimeRow | undefined>(tx.objectStore(ONE_TIME).get(id)))
    return row == null ? undefined : this.key.openJson<KeyPair>(row.record, oneTimeName(id))
  }

  async takeOneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const row = await this.db.write([ONE_TIME], async tx => {
      const store = tx.objectStore(ONE_TIME)
      const found = await request<OneTimeRow | undefined>(store.get(id))
      if (found != null) store.delete(id)
      return found
    })
    return row == null ? undefined : this.key.openJson<KeyPair>(row.record, oneTimeName(id))
  }

  async markInitialMessageSeen (hash: Uint8Array, signedPrekeyId: number): Promise<boolean> {
    const key = hex(hash)
    return this.db.write([SEEN], async tx => {
      const store = tx.objectStore(SEEN)
      if (await request(store.getKey(key)) != null) return false
      store.add({ hash: key, signedPrekeyId })
      return true
    })
  }

  async initialMessageSeen (hash: Uint8Array): Promise<boolean> {
    return this.db.read([SEEN], async tx => await request(tx.objectStore(SEEN).getKey(hex(hash))) != null)
  }

  /** How many one-time prekeys were never handed out (to top them up). */
  async unissuedOneTimePrekeys (): Promise<number> {
    return this.db.read([ONE_TIME], async tx => request(tx.objectStore(ONE_TIME).index('unissued').count()))
  }
}
