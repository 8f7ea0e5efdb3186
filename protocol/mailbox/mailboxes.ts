/**
 * Mailboxes from the point of view of each party (docs/DESIGN.md "Mailboxes"), composed for Ferry:
 * - host: agreements with owners (hosting.ts); the protocol side is service.ts;
 * - owner: the hosts its mail may wait at, capabilities, revocations and prekeys (owner.ts), and
 *   collecting its mail from them (collect.ts);
 * - sender: depositing to k hosts named in the recipient's capability when the recipient stays
 *   unreachable, collecting delivery receipts there, claiming one-time prekeys (sender.ts).
 */
import { Collector } from './collect.js'
import { Hosting } from './hosting.js'
import { Owner } from './owner.js'
import { Sender } from './sender.js'
import type { Collected } from './collect.js'
import type { Depositable } from './sender.js'
import type { HostingLimits, HostingView } from './hosting.js'
import type { Mailbox } from './index.js'
import type { HostLinks } from './links.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { PrekeyStore } from '../crypto/prekeys.js'
import type { decodeEnvelope } from '../messaging/envelope.js'
import type { Identity } from '../crypto/identity.js'
import type { Contact, ContactStore, Custody, HostedMailStore, HostedOwner, MailboxSettingsStore, MessageStore, QueuedMessage } from '../stores/stores.js'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export type { Collected } from './collect.js'
export type { HostingView } from './hosting.js'

export interface MailboxesInit {
  libp2p: Libp2p<{ mailbox: Mailbox }>
  /** hosted mail (hosting) and this node's own settings (owner) */
  store: HostedMailStore & MailboxSettingsStore
  messages: MessageStore
  contacts: ContactStore
  identity: Identity
  crypto: CryptoBackend
  now(): number
  log: Logger
  /** a connection to a peer (contact addresses, peer store, DHT) */
  connect(peer: string, addrs: string[]): Promise<Connection>
  /** decrypt and durably store an envelope received from `from` (the Inbox) */
  accept(env: ReturnType<typeof decodeEnvelope>, bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }>
  /** queue a control message carrying `capability` to a contact */
  sendCapability(contact: Contact, capability: Uint8Array): Promise<void>
  /** this device's prekeys: one-time prekeys are made here for the hosts */
  prekeys: PrekeyStore
  replication?: number
  /** this identity's signed device list when it has several devices (protocol/devices/) */
  devices?(): Promise<Uint8Array | undefined>
}

export interface MailboxStatus { hosting: HostingView[], using: Array<{ contact: string, peer: string }> }

export class Mailboxes {
  private readonly hosting: Hosting
  private readonly owner: Owner
  private readonly collector: Collector
  private readonly sender: Sender

  constructor (private readonly init: MailboxesInit) {
    const { libp2p, store, contacts, identity, crypto, now, log } = init
    const peerId = libp2p.peerId
    const mailbox = (): Mailbox => libp2p.services.mailbox
    const links: HostLinks = {
      dial: async (peer, addrs) => mailbox().at(await init.connect(peer, addrs)),
      contact: async peer => links.dial(peer, (await contacts.getByPeer(peer))?.addresses ?? []),
      host: async (peer, addrs) => peer === peerId.toString() ? mailbox().self() : links.dial(peer, addrs)
    }
    this.hosting = new Hosting({ store, contacts, now })
    this.owner = new Owner({ settings: store, contacts, identity, crypto, prekeys: init.prekeys, peerId, peerStore: libp2p.peerStore, links, now, log, sendCapability: init.sendCapability })
    this.collector = new Collector({ hosts: async () => store.usedHosts(), links, identity, crypto, peerId, now, log, accept: init.accept, devices: init.devices })
    this.sender = new Sender({ messages: init.messages, identity, crypto, links, now, log, replication: init.replication, capabilityPeer: async peer => (await contacts.getByPeer(peer))?.peerId ?? peer })
  }

  // --- host ---

  /** Agree to keep mail for contact `name` (hosting.ts). */
  async host (name: string, limits: HostingLimits = {}): Promise<HostedOwner> {
    return this.hosting.host(name, limits)
  }

  /** End the agreement with `name`; its waiting mail is deleted. */
  async unhost (name: string): Promise<void> {
    return this.hosting.unhost(name)
  }

  // --- owner ---

  /** Let this node's mail wait at these contacts' daemons; every contact gets a new capability. */
  async use (names: string[]): Promise<string[]> {
    return this.owner.use(names)
  }

  /** Give contacts capabilities for the current host set (owner.ts). */
  async offerCapabilities (): Promise<number> {
    return this.owner.offerCapabilities()
  }

  /** A capability for a fellow member of a room to deposit that room's group mail only (owner.ts). */
  async roomCapability (sender: Uint8Array, group: Uint8Array): Promise<Uint8Array | undefined> {
    return this.owner.roomCapability(sender, group)
  }

  /** Revoke a contact's capabilities at every host; @returns how many hosts confirmed it now. */
  async revoke (name: string): Promise<number> {
    return this.owner.revoke(name)
  }

  /** Lift a revocation: the contact gets a new capability. */
  async allow (name: string): Promise<void> {
    return this.owner.allow(name)
  }

  /** Lift any revocation of `identity` and forget what `peer` was issued, so it gets a capability now. */
  async allowIdentity (identity: Uint8Array, peer: string): Promise<void> {
    return this.owner.allowIdentity(identity, peer)
  }

  /** Tell every host of the set (or only `only`) each revocation it has not confirmed yet. */
  async tellRevocations (only?: string): Promise<number> {
    return this.owner.tellRevocations(only)
  }

  /** Keep one-time prekeys waiting at every host. */
  async uploadPrekeys (): Promise<number> {
    return this.owner.uploadPrekeys()
  }

  /** This node's mailbox hosts as invites name them. */
  async refs (): Promise<Array<{ peer: string, addrs: string[] }>> {
    return this.owner.refs()
  }

  /** The mailbox set record payload: this node's hosts' peer ids. */
  async hostIds (): Promise<Uint8Array[]> {
    return this.owner.hostIds()
  }

  /** Fetch from every host of the set (collect.ts). */
  async collect (): Promise<Collected[]> {
    return this.collector.collect()
  }

  /** Fetch all waiting mail from one host, store it, and ack it there and at every sibling. */
  async collectFrom (host: string): Promise<Collected> {
    return this.collector.collectFrom(host)
  }

  // --- sender ---

  /** Deposit queued messages for `peer` at k of its mailboxes (sender.ts); @returns how many were stored. */
  async deposit (peer: string, messages: QueuedMessage[]): Promise<number> {
    return this.sender.deposit(peer, messages)
  }

  /** Deposit envelopes under a capability someone gave us (sender.ts); @returns each envelope's custody */
  async depositWith (capability: Uint8Array, items: Depositable[], whose?: string): Promise<Map<string, Custody[]>> {
    return this.sender.depositWith(capability, items, whose)
  }

  /** Collect delivery receipts left at the hosts holding this node's stored messages. */
  async collectReceipts (): Promise<number> {
    return this.sender.collectReceipts()
  }

  /** A one-time prekey of `contact` from one of its hosts, or undefined. */
  async claimPrekey (contact: Contact): Promise<{ id: number, publicKey: Uint8Array } | undefined> {
    return this.sender.claimPrekey(contact)
  }

  // --- all three ---

  /** A peer connected: fetch from it if it is one of our hosts; collect receipts if it holds our mail. */
  async onConnect (peer: string): Promise<void> {
    if ((await this.owner.hosts()).includes(peer)) {
      await this.owner.tellRevocations(peer).catch(() => {})
      await this.collector.collectFrom(peer).catch(() => {})
    }
    const stored = await this.init.messages.queued(undefined, { status: 'stored', limit: 1024 })
    if (stored.some(m => (m.mailboxes ?? []).some(c => c.host === peer))) await this.sender.collectReceipts()
  }

  /** Whom this node hosts, and which hosts its own mail waits at. */
  async status (): Promise<MailboxStatus> {
    const names = new Map((await this.init.contacts.list()).map(c => [c.peerId, c.name]))
    const hosting = await this.hosting.hosting()
    const using = (await this.owner.hosts()).map(p => ({ contact: names.get(p) ?? p, peer: p }))
    return { hosting, using }
  }
}
