/**
 * How the mailbox roles find contacts and reach hosts: by contact name, by peer id bytes, and a
 * typed client for a host — over a new connection, or this node's own mailbox when it is the host.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { UnknownContactError } from '../errors.js'
import { openCapability } from './signed.js'
import type { MailboxClient } from './client.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Contact, ContactStore, MessageStore } from '../stores/stores.js'
import type { MailboxHost } from './pb/mailbox.js'

/** Ways to reach mailbox hosts. */
export interface HostLinks {
  /** a new connection to `peer`, dialling `addrs` if needed */
  dial(peer: string, addrs: string[]): Promise<MailboxClient>
  /** a contact host, at its known addresses */
  contact(peer: string): Promise<MailboxClient>
  /** `peer` at `addrs`, or this node's own mailbox, with no dial, when `peer` is this node */
  host(peer: string, addrs: string[]): Promise<MailboxClient>
}

/**
 * The contact called `name`.
 *
 * @throws UnknownContactError
 */
export async function contactNamed (contacts: ContactStore, name: string): Promise<Contact> {
  const c = await contacts.get(name)
  if (c == null) throw new UnknownContactError(`no contact named "${name}"`)
  return c
}

/** A host named in a capability: its peer id string and multiaddr strings. */
export function hostOf (h: MailboxHost): { peer: string, addrs: string[] } {
  return { peer: peerIdFromMultihash(Digest.decode(h.peerId)).toString(), addrs: h.addrs.map(a => multiaddr(a).toString()) }
}

/** Where to dial the hosts named in these recipients' capabilities. */
export async function hostAddresses (messages: MessageStore, crypto: CryptoBackend, recipients: Set<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const peer of recipients) {
    const bytes = await messages.capability(peer)
    if (bytes == null) continue
    try {
      for (const h of (await openCapability(bytes, crypto)).hosts) {
        const { peer, addrs } = hostOf(h)
        out.set(peer, addrs)
      }
    } catch {}
  }
  return out
}
