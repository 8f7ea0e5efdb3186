/**
 * Keeping this device's prekeys ready: an identity DH key and signed prekeys exist, one-time
 * prekeys are topped up, the signed prekeys rotate weekly and retired ones are deleted once their
 * grace period ends (protocol/crypto/prekeys.ts).
 */
import { createBundle, generatePrekeys, PREKEY_GRACE_MS, rotateSignedPrekey, SIGNED_PREKEY_ROTATION_MS } from './crypto/prekeys.js'
import type { PrekeyBundle } from './crypto/bundle.js'
import type { CryptoBackend } from './crypto.js'
import type { PrekeyStore } from './crypto/prekeys.js'
import type { Identity } from './identity.js'

/** One-time prekeys generated at a time. */
export const ONE_TIME_BATCH = 50

export async function upkeepPrekeys (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, now: number): Promise<void> {
  if (await store.identityDh() == null || await store.currentSignedPrekey() == null) {
    await generatePrekeys(crypto, identity, store, { oneTime: ONE_TIME_BATCH, now })
    return
  }
  const current = await store.currentSignedPrekey()
  if (current != null && now - current.createdAt > SIGNED_PREKEY_ROTATION_MS) await rotateSignedPrekey(crypto, identity, store, { now })
  await store.removeRetiredPrekeys(now - PREKEY_GRACE_MS)
}

/** This device's bundle with a fresh one-time prekey, generating a new batch when none is left. */
export async function freshBundle (crypto: CryptoBackend, identity: Identity, store: PrekeyStore, now: number): Promise<PrekeyBundle> {
  const bundle = await createBundle(crypto, identity, store, { withOneTime: true })
  if (bundle.oneTimePrekey != null) return bundle
  await generatePrekeys(crypto, identity, store, { oneTime: ONE_TIME_BATCH, now })
  return createBundle(crypto, identity, store, { withOneTime: true })
}
