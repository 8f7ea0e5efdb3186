/**
 * Ferry: one running peer, as createFerry (create-ferry.ts) composes it — a thin façade that
 * starts and stops its features in order and exposes what the daemon, the web app and tests use.
 * Each capability lives in its feature: Conversations (send, read, history), Roster (contacts,
 * requests, blocking, invites), Presence (reach, LAN, relays, lookup), Directory (DHT records),
 * Mailboxes (hosting, owning, depositing), Devices (linked devices), the Sweeper and PrekeyUpkeep.
 */
import { identityToString } from './crypto/identity.js'
import { routingTableSize } from './directory/dht.js'
import { InvalidInputError } from './errors.js'
import type { Conversations } from './messaging/conversations.js'
import type { DhtLookupTally } from './directory/dht-stats.js'
import type { Directory } from './directory/directory.js'
import type { FerryServices, FerryStatus } from './ferry-types.js'
import type { Identity } from './crypto/identity.js'
import type { Groups } from './groups/groups.js'
import type { Files } from './files/files.js'
import type { CallSignals } from './calls/signals.js'
import type { Devices } from './devices/devices.js'
import type { Collected, Mailboxes } from './mailbox/index.js'
import type { PrekeyUpkeep } from './crypto/prekey-upkeep.js'
import type { Presence } from './reach/presence.js'
import type { Roster } from './contacts/roster.js'
import type { ContactBook } from './contacts/contact-book.js'
import type { FerryStores } from './stores/stores.js'
import type { Tasks } from './util/tasks.js'
import type { Sweeper } from './util/timers.js'
import type { Libp2p, Logger } from '@libp2p/interface'

/** How long stop() waits for background work once libp2p stopped. */
const STOP_WAIT_MS = 10_000

/** The parts createFerry builds; Ferry only orders them. */
export interface FerryFeatures {
  libp2p: Libp2p<FerryServices>
  identity: Identity
  stores: FerryStores
  contactBook: ContactBook
  conversations: Conversations
  roster: Roster
  presence: Presence
  directory: Directory
  dhtLookups: DhtLookupTally
  expiry: Sweeper
  prekeys: PrekeyUpkeep
  tasks: Tasks
  /** absent without a mailbox store */
  mailboxes?: Mailboxes
  /** team rooms; absent without a room store */
  groups?: Groups
  /** files; absent without a file store */
  files?: Files
  devices: Devices
  /** call signalling (protocol/calls/) */
  calls: CallSignals
  log: Logger
  pollMs: number
  publishOnStart: boolean
  /** close connections and wait this long before stopping listeners (0: don't) */
  stopSettleMs: number
}

export class Ferry {
  /** the libp2p node, for tests and simulations that need to reach under the façade */
  readonly libp2p: Libp2p<FerryServices>
  readonly identity: Identity
  readonly conversations: Conversations
  readonly roster: Roster
  readonly presence: Presence
  readonly directory: Directory
  readonly dhtLookups: DhtLookupTally
  /** absent without a mailbox store */
  readonly mailboxes?: Mailboxes
  /** team rooms (`ferry group …`); absent without a room store */
  readonly groups?: Groups
  /** files (`ferry send --file`, `ferry file get`); absent without a file store */
  readonly files?: Files
  /** this person's linked devices (`ferry device …`) */
  readonly devices: Devices
  /** call signalling: the web app's calls (protocol/calls/) */
  readonly calls: CallSignals
  private poll?: ReturnType<typeof setInterval>
  private readonly stores: FerryStores // for tests that inspect what was written

  constructor (private readonly f: FerryFeatures) {
    this.stores = f.stores
    this.libp2p = f.libp2p
    this.identity = f.identity
    this.conversations = f.conversations
    this.roster = f.roster
    this.presence = f.presence
    this.directory = f.directory
    this.dhtLookups = f.dhtLookups
    this.mailboxes = f.mailboxes
    this.groups = f.groups
    this.files = f.files
    this.devices = f.devices
    this.calls = f.calls
  }

  get peerId (): string { return this.libp2p.peerId.toString() }

  /** Start libp2p, dial every contact, join the DHT, publish records and flush the outbox. */
  async start (): Promise<void> {
    const { contactBook, prekeys, presence, directory, conversations, expiry, tasks, mailboxes } = this.f
    await contactBook.load() // the block list, before any connection is taken
    await prekeys.start()
    await this.f.devices.load() // the own devices, before any arrives
    await this.groups?.start() // needs the identity DH key prekeys.start() makes
    this.libp2p.addEventListener('connection:open', (evt) => {
      const peer = evt.detail.remotePeer.toString()
      conversations.outbox.onConnect(peer)
      if (mailboxes != null) tasks.track(mailboxes.onConnect(peer))
    })
    presence.listen()
    await this.libp2p.start()
    presence.start()
    tasks.track(this.f.devices.refresh().catch((err: any) => { this.f.log('device list not refreshed: %s', err.message) }))
    const joined = Promise.allSettled([presence.dialContacts(), directory.join()])
    if (this.f.publishOnStart) void joined.then(async () => directory.publish())
    void conversations.outbox.flushAll()
    directory.start()
    await expiry.start()
    await this.files?.start()
    if (mailboxes == null) return
    tasks.track(joined.then(async () => {
      await mailboxes.offerCapabilities().catch((err: any) => { this.f.log('could not offer mailbox capabilities: %s', err.message) })
      await Promise.allSettled([mailboxes.collect(), mailboxes.collectReceipts(), mailboxes.uploadPrekeys()])
    }))
    this.poll = setInterval(() => { tasks.track(Promise.allSettled([mailboxes.collect(), mailboxes.collectReceipts(), mailboxes.offerCapabilities(), mailboxes.uploadPrekeys(), mailboxes.tellRevocations()])) }, this.f.pollMs)
  }

  /** A new session with a contact, and a restart telling it so (docs/BACKUP.md, DEVICES.md). @returns false: no contact */
  async restartSession (peer: string): Promise<boolean> { return await this.f.conversations.restartSessionWith(peer) }

  /** Stop everything and wait for background work (mailbox rounds, delivery passes) to end, so the stores can close. */
  async stop (): Promise<void> {
    const { tasks, conversations } = this.f
    tasks.close()
    clearInterval(this.poll)
    for (const part of [this.f.prekeys, this.f.directory, this.f.expiry, this.f.presence, conversations.outbox]) part.stop()
    await Promise.all([this.groups?.stop(), this.files?.stop()])
    if (this.f.stopSettleMs > 0 && this.libp2p.getConnections().length > 0) {
      // close connections first and let the transports finish before their listeners go
      await Promise.allSettled(this.libp2p.getConnections().map(async c => c.close({ signal: AbortSignal.timeout(2_000) })))
      await new Promise(resolve => setTimeout(resolve, this.f.stopSettleMs))
    }
    await this.libp2p.stop()
    await tasks.settled([conversations.outbox.idle()], STOP_WAIT_MS)
  }

  /** After sleep or a network change: take back lost relay slots, re-dial every contact and flush the outbox. */
  async resume (): Promise<void> {
    await this.presence.resume()
    await this.conversations.outbox.flushAll()
    this.files?.retry()
  }

  /** Delete expired messages and files now (the sweepers also run at each expiry). */
  async sweepExpired (): Promise<number> { return await this.f.expiry.sweep() + (await this.files?.sweep() ?? 0) }

  /** Let this node's mail wait at these contacts (`ferry mailbox use`); contacts get capabilities. */
  async useMailboxes (names: string[]): Promise<string[]> {
    const mailboxes = this.needMailboxes()
    const used = await mailboxes.use(names)
    // only the mailbox set changed: the bundle and device list stand as published
    this.f.tasks.track(this.directory.publish(['mailboxes']))
    this.f.tasks.track(mailboxes.collect())
    this.f.tasks.track(mailboxes.uploadPrekeys())
    return used
  }

  /** Fetch waiting mail from every mailbox now, and collect delivery receipts left for us. */
  async collectMail (): Promise<{ collected: Collected[], receipts: number }> {
    const m = this.needMailboxes()
    const [collected, receipts] = await Promise.all([m.collect(), m.collectReceipts()])
    return { collected, receipts }
  }

  /** The mailbox roles. @throws InvalidInputError when this node runs without mailboxes */
  needMailboxes (): Mailboxes { return this.mailboxes ?? (() => { throw new InvalidInputError('this node runs without mailboxes') })() }

  /** This node's listen addresses, with /p2p/<peer id>. */
  addresses (): string[] { return this.libp2p.getMultiaddrs().map(String) }

  async status (): Promise<FerryStatus> {
    const { dht, lan } = this.libp2p.services
    return {
      peerId: this.peerId,
      identity: identityToString(this.identity.identityKey.publicKey.raw),
      addresses: this.addresses(),
      connections: this.presence.connections(await this.conversations.names()),
      outbox: await this.stores.messages.countQueued(),
      ...(dht == null ? {} : { dht: { mode: dht.getMode(), routingTable: routingTableSize(dht), lookups: this.dhtLookups.summary() } }),
      lan: { enabled: lan != null, peers: this.presence.lan.size },
      relay: this.presence.relayStatus()
    }
  }
}
