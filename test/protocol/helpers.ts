import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createInvite } from '../../protocol/contacts/invite.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { MessageRecord, MessageStore, OutgoingMessage } from '../../protocol/stores/stores.js'

/** Store one outgoing message through the batch API; throws its Error like a single insert would. */
export async function addOut (store: MessageStore, message: OutgoingMessage): Promise<MessageRecord> {
  const [result] = await store.addOutgoing([message])
  if (result instanceof Error) throw result
  return result
}

/** A prekey bundle for `identity` from a fresh in-memory prekey store. */
export async function bundleFor (identity: Identity): Promise<PrekeyBundle> {
  const store = new MemoryPrekeyStore()
  await generatePrekeys(defaultCrypto, identity, store, { oneTime: 0 })
  return createBundle(defaultCrypto, identity, store, { withOneTime: false })
}

/** createInvite with a bundle made for the identity. */
export async function inviteWithBundle (identity: Identity, addresses: Multiaddr[], opts: { name?: string, now: number, ttlMs?: number }): Promise<string> {
  return createInvite(identity, addresses, { ...opts, bundle: await bundleFor(identity) })
}
