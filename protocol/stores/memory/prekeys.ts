/** An in-memory PrekeyStore (protocol/crypto/prekeys.ts) for tests and simulation. */
import type { IdentityDhRecord, KemPrekeyRecord, OneTimePrekey, PrekeyStore, SignedPrekeyRecord } from '../../crypto/prekeys.js'
import type { KeyPair } from '../../crypto/backend.js'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

/** In-memory PrekeyStore for tests and simulation: same contract, not durable. */
export class MemoryPrekeyStore implements PrekeyStore {
  private dh?: IdentityDhRecord
  private readonly signed = new Map<number, SignedPrekeyRecord>()
  private readonly kems = new Map<number, KemPrekeyRecord>()
  private currentSigned?: number
  private currentKem?: number
  private readonly oneTime = new Map<number, { pair: KeyPair, issued: boolean, issuedAt?: number }>()
  private nextOneTimeId = 1
  /** hex hash -> signed prekey id */
  private readonly seen = new Map<string, number>()

  async identityDh (): Promise<IdentityDhRecord | undefined> {
    return this.dh == null ? undefined : structuredClone(this.dh)
  }

  async putIdentityDh (record: IdentityDhRecord): Promise<void> {
    this.dh = structuredClone(record)
  }

  async signedPrekey (id: number): Promise<SignedPrekeyRecord | undefined> {
    const r = this.signed.get(id)
    return r == null ? undefined : structuredClone(r)
  }

  async currentSignedPrekey (): Promise<SignedPrekeyRecord | undefined> {
    return this.currentSigned == null ? undefined : this.signedPrekey(this.currentSigned)
  }

  async kemPrekey (id: number): Promise<KemPrekeyRecord | undefined> {
    const r = this.kems.get(id)
    return r == null ? undefined : structuredClone(r)
  }

  async currentKemPrekey (): Promise<KemPrekeyRecord | undefined> {
    return this.currentKem == null ? undefined : this.kemPrekey(this.currentKem)
  }

  async putSignedPrekeys (signed: SignedPrekeyRecord, kem: KemPrekeyRecord): Promise<void> {
    const oldSigned = this.currentSigned == null ? undefined : this.signed.get(this.currentSigned)
    const oldKem = this.currentKem == null ? undefined : this.kems.get(this.currentKem)
    if (oldSigned != null) oldSigned.retiredAt = signed.createdAt
    if (oldKem != null) oldKem.retiredAt = kem.createdAt
    this.signed.set(signed.id, structuredClone({ ...signed, retiredAt: undefined }))
    this.kems.set(kem.id, structuredClone({ ...kem, retiredAt: undefined }))
    this.currentSigned = signed.id
    this.currentKem = kem.id
  }

  async removeRetiredPrekeys (time: number): Promise<void> {
    for (const [id, r] of this.signed) {
      if (r.retiredAt == null || r.retiredAt >= time) continue
      this.signed.delete(id)
      for (const [hash, spk] of this.seen) if (spk === id) this.seen.delete(hash)
    }
    for (const [id, r] of this.kems) if (r.retiredAt != null && r.retiredAt < time) this.kems.delete(id)
  }

  async putOneTimePrekeys (pairs: KeyPair[]): Promise<number[]> {
    return pairs.map(pair => {
      const id = this.nextOneTimeId++
      this.oneTime.set(id, { pair: structuredClone(pair), issued: false })
      return id
    })
  }

  async issueOneTimePrekey (issuedAt?: number): Promise<OneTimePrekey | undefined> {
    for (const [id, entry] of this.oneTime) {
      if (entry.issued) continue
      entry.issued = true
      entry.issuedAt = issuedAt
      return { id, publicKey: entry.pair.publicKey.slice() }
    }
    return undefined
  }

  async countOneTimePrekeys (): Promise<{ unissued: number, issued: number }> {
    let issued = 0
    for (const entry of this.oneTime.values()) if (entry.issued) issued++
    return { unissued: this.oneTime.size - issued, issued }
  }

  async removeIssuedOneTimePrekeys (time: number): Promise<number> {
    let n = 0
    for (const [id, entry] of this.oneTime) {
      if (entry.issuedAt != null && entry.issuedAt < time) {
        this.oneTime.delete(id)
        n++
      }
    }
    return n
  }

  async oneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const entry = this.oneTime.get(id)
    return entry == null ? undefined : structuredClone(entry.pair)
  }

  async takeOneTimePrekey (id: number): Promise<KeyPair | undefined> {
    const entry = this.oneTime.get(id)
    this.oneTime.delete(id)
    return entry?.pair
  }

  async markInitialMessageSeen (hash: Uint8Array, signedPrekeyId: number): Promise<boolean> {
    const key = hex(hash)
    if (this.seen.has(key)) return false
    this.seen.set(key, signedPrekeyId)
    return true
  }

  async initialMessageSeen (hash: Uint8Array): Promise<boolean> {
    return this.seen.has(hex(hash))
  }
}
