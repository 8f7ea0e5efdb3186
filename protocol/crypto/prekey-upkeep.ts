/**
 * Keeping this device's prekeys ready: an identity DH key and signed prekeys exist, one-time
 * prekeys are topped up within bounds, handed-out ones that were never used are deleted, the signed
 * prekeys rotate weekly and retired ones are deleted once their grace period ends
 * (protocol/crypto/prekeys.ts).
 */
import { createBundle, generatePrekeys, PREKEY_GRACE_MS, rotateSignedPrekey, SIGNED_PREKEY_ROTATION_MS } from './prekeys.js'
import type { PrekeyBundle } from './bundle.js'
import type { CryptoBackend } from './backend.js'
import type { PrekeyStore } from './prekeys.js'
import type { Identity } from './identity.js'

/** One-time prekeys generated at a time. */
export const ONE_TIME_BATCH = 50

/**
 * One-time prekeys this device keeps at most, waiting or handed out: no new batch is made beyond
 * it (bundles then go without one until handed-out ones are used or expire).
 */
export const MAX_ONE_TIME_PREKEYS = 1_000

/** Handed out and not yet used: past this many, bundles go without a one-time prekey. */
export const MAX_ISSUED_ONE_TIME_PREKEYS = 500

/** The share of MAX_ISSUED_ONE_TIME_PREKEYS strangers may hold: the rest stays for contacts. */
export const MAX_ISSUED_TO_STRANGERS = 200

/**
 * A one-time prekey handed out over /ferry/bundle and not used within this long is deleted: the
 * same grace as a retired signed prekey (an initial message may wait in a mailbox up to the longest
 * message TTL).
 */
export const ONE_TIME_PREKEY_GRACE_MS = PREKEY_GRACE_MS

export async function upkeepPrekeys (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, now: number): Promise<void> {
  if (await store.identityDh() == null || await store.currentSignedPrekey() == null) {
    await generatePrekeys(crypto, identity, store, { oneTime: ONE_TIME_BATCH, now })
    return
  }
  const current = await store.currentSignedPrekey()
  if (current != null && now - current.createdAt > SIGNED_PREKEY_ROTATION_MS) await rotateSignedPrekey(crypto, identity, store, { now })
  await store.removeRetiredPrekeys(now - PREKEY_GRACE_MS)
  await store.removeIssuedOneTimePrekeys(now - ONE_TIME_PREKEY_GRACE_MS)
}

/**
 * This device's bundle, with a one-time prekey when asked and the bounds allow: one waiting, or a
 * new batch that keeps the total within MAX_ONE_TIME_PREKEYS, and fewer handed out than the
 * requester's share (`maxIssued`). Otherwise the bundle goes without one.
 */
export async function freshBundle (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, now: number, options: { oneTime?: boolean, maxIssued?: number } = {}): Promise<PrekeyBundle> {
  const { oneTime = true, maxIssued = MAX_ISSUED_ONE_TIME_PREKEYS } = options
  const counts = oneTime ? await store.countOneTimePrekeys() : undefined
  if (counts == null || counts.issued >= maxIssued) return createBundle(crypto, identity, store, { withOneTime: false })
  if (counts.unissued === 0) {
    if (counts.issued + ONE_TIME_BATCH > MAX_ONE_TIME_PREKEYS) return createBundle(crypto, identity, store, { withOneTime: false })
    await generatePrekeys(crypto, identity, store, { oneTime: ONE_TIME_BATCH, now })
  }
  return createBundle(crypto, identity, store, { withOneTime: true, issuedAt: now })
}

/** How often a running node checks its prekeys (rotation is weekly). */
export const PREKEY_UPKEEP_MS = 6 * 60 * 60 * 1000

/** Prekey upkeep while a node runs for weeks: at start, then every PREKEY_UPKEEP_MS. */
export class PrekeyUpkeep {
  private timer?: ReturnType<typeof setInterval>

  constructor (private readonly c: { crypto: CryptoBackend, identity: Identity, prekeys: PrekeyStore, now(): number, onError(err: Error): void }) {}

  async start (): Promise<void> {
    const run = async (): Promise<void> => upkeepPrekeys(this.c.crypto, this.c.identity, this.c.prekeys, this.c.now())
    await run()
    this.timer = setInterval(() => { run().catch((err: Error) => { this.c.onError(err) }) }, PREKEY_UPKEEP_MS)
  }

  stop (): void {
    clearInterval(this.timer)
  }
}
