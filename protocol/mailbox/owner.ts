/**
 * The owner's settings and what it tells its hosts (`ferry mailbox use`, `revoke`, `allow`): the
 * hosts its mail may wait at, a signed capability for every contact (sent in-band as a control
 * message), revocations told to every host of the set, and one-time prekeys left at each host.
 * Fetching and acking the mail itself is collect.ts.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { toHex } from '../messaging/envelope.js'
import { InvalidInputError } from '../errors.js'
import { generatePrekeys } from '../crypto/prekeys.js'
import { CAPABILITY_RENEW_MS, CAPABILITY_TTL_MS, DEFAULT_SENDER_QUOTA, MAX_HOSTS, PREKEYS_LOW, PREKEYS_UPLOAD } from './constants.js'
import { contactNamed } from './links.js'
import { OneTimePrekey } from './pb/mailbox.js'
import { signCapability } from './signed.js'
import type { HostLinks } from './links.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { Identity } from '../crypto/identity.js'
import type { Contact, ContactStore, MailboxSettingsStore } from '../stores/stores.js'
import type { Logger, PeerId, PeerStore } from '@libp2p/interface'

export interface OwnerInit {
  settings: MailboxSettingsStore
  contacts: ContactStore
  identity: Identity
  crypto: CryptoBackend
  /** this device's prekeys: one-time prekeys are made here for the hosts */
  prekeys: PrekeyStore
  peerId: PeerId
  /** more addresses of the hosts, to name in capabilities */
  peerStore: Pick<PeerStore, 'get'>
  links: HostLinks
  now(): number
  log: Logger
  /** queue a control message carrying `capability` to a contact */
  sendCapability(contact: Contact, capability: Uint8Array): Promise<void>
}

export class Owner {
  constructor (private readonly init: OwnerInit) {}

  /** Let this node's mail wait at these contacts' daemons; every contact gets a new capability. */
  async use (names: string[]): Promise<string[]> {
    const hosts = await Promise.all(names.map(async n => contactNamed(this.init.contacts, n)))
    if (new Set(hosts.map(h => h.peerId)).size !== hosts.length) throw new InvalidInputError('a mailbox host is named twice')
    if (hosts.length > MAX_HOSTS) throw new InvalidInputError(`at most ${MAX_HOSTS} mailbox hosts`)
    await this.init.settings.useHosts(hosts.map(h => h.peerId))
    await this.tellRevocations() // a new host learns of every revocation before any deposit
    await this.offerCapabilities()
    return hosts.map(h => h.name)
  }

  /** The hosts this node's mail may wait at (peer ids), in order. */
  async hosts (): Promise<string[]> {
    return this.init.settings.usedHosts()
  }

  /** The hosts this node's mail may wait at, with where to dial them. */
  private async hostSet (): Promise<Array<{ peerId: Uint8Array, addrs: Uint8Array[] }>> {
    const out = []
    for (const peer of await this.init.settings.usedHosts()) {
      const c = await this.init.contacts.getByPeer(peer)
      const addrs = new Set(c?.addresses ?? [])
      try {
        for (const a of (await this.init.peerStore.get(peerIdFromString(peer))).addresses) addrs.add(a.multiaddr.toString())
      } catch {}
      out.push({ peerId: peerIdFromString(peer).toMultihash().bytes, addrs: [...addrs].slice(0, 8).map(a => multiaddr(a).bytes) })
    }
    return out
  }

  /** This node's mailbox hosts as invites name them. */
  async refs (): Promise<Array<{ peer: string, addrs: string[] }>> {
    return (await this.hostSet()).map(h => ({ peer: peerIdFromMultihash(Digest.decode(h.peerId)).toString(), addrs: h.addrs.map(a => multiaddr(a).toString()) }))
  }

  /** The mailbox set record payload: this node's hosts' peer ids. */
  async hostIds (): Promise<Uint8Array[]> {
    return (await this.init.settings.usedHosts()).map(p => peerIdFromString(p).toMultihash().bytes)
  }

  /**
   * Give every contact whose identity is known a capability for the current host set, unless it
   * has a recent one for the same set, or was revoked (until `allow`). It travels as an encrypted
   * control message: at once if the contact is connected, else at its next connection (or
   * through its own mailboxes).
   */
  async offerCapabilities (): Promise<number> {
    const { settings } = this.init
    const used = await settings.usedHosts()
    if (used.length === 0) return 0
    const key = used.join(' ')
    const now = this.init.now()
    const hosts = await this.hostSet()
    const revoked = new Set((await settings.revokedSenders()).map(r => toHex(r.sender)))
    let sent = 0
    for (const c of await this.init.contacts.list()) {
      if (c.identity == null || c.pendingIdentity != null || revoked.has(toHex(c.identity))) continue
      const last = await settings.issued(c.peerId)
      if (last != null && last.hosts === key && now - last.at < CAPABILITY_RENEW_MS) continue
      const capability = await signCapability(this.init.identity, {
        ownerDevice: this.init.peerId.toMultihash().bytes,
        sender: c.identity,
        hosts,
        issuedAt: now,
        notAfter: now + CAPABILITY_TTL_MS,
        quotaBytes: DEFAULT_SENDER_QUOTA.bytes,
        quotaMessages: DEFAULT_SENDER_QUOTA.messages
      }, this.init.crypto)
      await this.init.sendCapability(c, capability)
      await settings.markIssued(c.peerId, key, now)
      sent++
    }
    return sent
  }

  /**
   * A capability for a fellow member of room `group` (who may not be a contact): it may deposit
   * that room's group mail, nothing else, at the current host set. Undefined when this node uses
   * no hosts or the member's identity is revoked.
   */
  async roomCapability (sender: Uint8Array, group: Uint8Array): Promise<Uint8Array | undefined> {
    const { settings } = this.init
    if ((await settings.usedHosts()).length === 0) return undefined
    if ((await settings.revokedSenders()).some(r => toHex(r.sender) === toHex(sender))) return undefined
    const now = this.init.now()
    return await signCapability(this.init.identity, {
      ownerDevice: this.init.peerId.toMultihash().bytes,
      sender,
      group,
      hosts: await this.hostSet(),
      issuedAt: now,
      notAfter: now + CAPABILITY_TTL_MS,
      quotaBytes: DEFAULT_SENDER_QUOTA.bytes,
      quotaMessages: DEFAULT_SENDER_QUOTA.messages
    }, this.init.crypto)
  }

  /**
   * Revoke the capabilities a contact holds, at every host of the set: those reachable now, the
   * others when they are next reached (the revocation is kept and retried), and any host added
   * later. The contact gets no new capability until `allow`.
   *
   * @returns how many hosts confirmed it now
   */
  async revoke (name: string): Promise<number> {
    const c = await contactNamed(this.init.contacts, name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known`)
    await this.init.settings.revokeSender(c.identity, this.init.now() + 1)
    await this.tellRevocations()
    const mine = (await this.init.settings.revokedSenders()).find(r => toHex(r.sender) === toHex(c.identity as Uint8Array))
    return mine?.told.length ?? 0
  }

  /** Lift a revocation: the contact gets a new capability (`ferry mailbox allow`). */
  async allow (name: string): Promise<void> {
    const c = await contactNamed(this.init.contacts, name)
    if (c.identity == null) throw new InvalidInputError(`${name}'s identity key is not known`)
    await this.allowIdentity(c.identity, c.peerId)
  }

  /** Lift any revocation of `identity` and forget what `peer` was issued, so it gets a capability now. */
  async allowIdentity (identity: Uint8Array, peer: string): Promise<void> {
    await this.init.settings.allowSender(identity)
    await this.init.settings.markIssued(peer, '', 0)
    await this.offerCapabilities()
  }

  /**
   * Tell every host of the set each revocation it has not confirmed yet (at `revoke`, on every
   * round, when a host connects).
   *
   * @returns how many (host, sender) revocations were confirmed
   */
  async tellRevocations (only?: string): Promise<number> {
    const { settings } = this.init
    const revoked = await settings.revokedSenders()
    if (revoked.length === 0) return 0
    let told = 0
    for (const host of await settings.usedHosts()) {
      if (only != null && host !== only) continue
      for (const r of revoked.filter(r => !r.told.includes(host))) {
        try {
          // a host that does not serve us refuses: not told
          await (await this.init.links.contact(host)).revoke(r.sender, r.before)
          await settings.markTold(host, r.sender)
          told++
        } catch (err: any) {
          this.init.log('could not tell mailbox %s of a revocation (kept, retried later): %s', host, err.message)
          break
        }
      }
    }
    return told
  }

  /**
   * Keep one-time prekeys waiting at every host: a host holding fewer than PREKEYS_LOW gets
   * PREKEYS_UPLOAD new ones, made here and marked handed out so this device's own bundle service
   * never gives them to anyone else. Each host gets different ones.
   *
   * @returns how many were uploaded
   */
  async uploadPrekeys (): Promise<number> {
    let uploaded = 0
    for (const host of await this.init.settings.usedHosts()) {
      try {
        if ((await (await this.init.links.contact(host)).status()).prekeys >= PREKEYS_LOW) continue
        await generatePrekeys(this.init.crypto, this.init.identity, this.init.prekeys, { oneTime: PREKEYS_UPLOAD, now: this.init.now() })
        const batch: Uint8Array[] = []
        for (let i = 0; i < PREKEYS_UPLOAD; i++) {
          const p = await this.init.prekeys.issueOneTimePrekey()
          if (p != null) batch.push(OneTimePrekey.encode(p))
        }
        await (await this.init.links.contact(host)).uploadPrekeys(batch)
        uploaded += batch.length
      } catch (err: any) {
        this.init.log('could not leave one-time prekeys at %s: %s', host, err.message)
      }
    }
    return uploaded
  }
}
