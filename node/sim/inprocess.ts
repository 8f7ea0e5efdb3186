/**
 * The `inprocess` mode of `ferry sim`: every node is the production
 * `createFerry` stack — DHT, mailboxes, outbox, PQXDH + Double Ratchet — in this process, on the
 * memory transport with the scenario's link delay, with in-memory stores (which survive a node's
 * stop and restart, as a disk would). Nodes are driven through the Ferry API, the in-process
 * equivalent of the control API.
 *
 * In one process a crash is a stop (nothing is flushed in either case). A partition cuts every
 * connection across the cut and a connection gater refuses new ones until heal. 'shape' cannot
 * change the memory transport's delay after a node starts and is reported as skipped.
 */
import { memory } from '@libp2p/memory'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createFerry, createIdentity, DhtLookupTally, memoryStores, sumDhtLookups } from '../../protocol/index.js'
import { FaultyMailboxStore } from './faulty-mailbox.js'
import { ProcessCpu, WireMeter } from './meter.js'
import type { DhtLookupSummary } from '../../protocol/index.js'
import { nodeCrypto } from '../crypto.js'
import type { CryptoBackend, Ferry, FerryStores, Identity } from '../../protocol/index.js'
import type { PeerId } from '@libp2p/interface'
import { identityToString } from '../../protocol/crypto/identity.js'
import { messageView } from '../../protocol/groups/history.js'
import { roomEntry } from './driver.js'
import { quietLogger } from '../quiet-logger.js'
import type { MessageChange, NetworkControl, NodeControl, RoomControl, RoomEntry } from './driver.js'
import type { Scenario } from './types.js'

export { quietLogger }

/** How long setting up one contact waits for its connection (it is made later if this runs out). */
const CONTACT_DIAL_MS = 30_000

/** The cut, shared by every node's connection gater. */
class Cut {
  side?: Set<string>
  readonly names = new Map<string, string>()

  separates (a: string, b: string): boolean {
    if (this.side == null) return false
    const na = this.names.get(a)
    const nb = this.names.get(b)
    return na != null && nb != null && this.side.has(na) !== this.side.has(nb)
  }
}

export interface InProcessOptions {
  /** the planted fault: every node's mailbox store drops one in this many deposits (FaultyMailboxStore) */
  faultDropEvery?: number
}

export class InProcessNode implements NodeControl {
  ferry?: Ferry
  /** this node's DHT peer lookups, kept across its restarts */
  readonly dhtLookups = new DhtLookupTally()
  readonly rooms: RoomControl
  private constructor (readonly name: string, private readonly identity: Identity, readonly stores: FerryStores, private readonly world: InProcessWorld) {
    world.identities.set(identityToString(identity.identityKey.publicKey.raw), name)
    this.rooms = new InProcessRooms(this, world)
  }

  static async create (name: string, world: InProcessWorld): Promise<InProcessNode> {
    const identity = await createIdentity()
    const stores = memoryStores({ mailbox: true })
    const every = world.options.faultDropEvery
    if (every != null && every > 0 && stores.mailbox != null) stores.mailbox = new FaultyMailboxStore(stores.mailbox, every, peerIdFromPrivateKey(identity.deviceKey).toString())
    return new InProcessNode(name, identity, stores, world)
  }

  running (): boolean {
    return this.ferry != null
  }

  async start (): Promise<void> {
    const cut = this.world.cut
    const me = (): string => this.ferry?.peerId ?? ''
    const ferry = await createFerry({
      identity: this.identity,
      name: this.name,
      stores: this.stores,
      transports: [memory({ latency: this.world.scenario.link?.delayMs ?? 0 })],
      listen: [`/memory/${this.world.run}-${this.name}`],
      crypto: this.world.crypto,
      logger: quietLogger,
      // thousands of connections in one process: the monitor's pings would starve everything (test/dht-network.ts)
      connectionMonitor: { enabled: false },
      // nor yamux's keep-alive pings (no NAT to keep open on the memory transport): see FerryOptions.keepAlive
      keepAlive: false,
      ...(this.world.scenario.maxConnections == null ? {} : { connectionLimits: { maxConnections: this.world.scenario.maxConnections } }),
      mailbox: { replication: this.world.scenario.replication },
      metrics: this.world.meter.metrics(this.name),
      dhtLookups: this.dhtLookups,
      connectionGater: {
        denyDialPeer: async (peer: PeerId) => cut.separates(me(), peer.toString()),
        denyInboundEncryptedConnection: async (peer: PeerId) => cut.separates(me(), peer.toString())
      }
    })
    cut.names.set(ferry.peerId, this.name)
    this.ferry = ferry
    await ferry.start()
  }

  async stop (): Promise<void> {
    const ferry = this.ferry
    this.ferry = undefined
    await ferry?.stop()
  }

  async crash (): Promise<void> {
    await this.stop()
  }

  get live (): Ferry {
    if (this.ferry == null) throw new Error(`node ${this.name} is not running`)
    return this.ferry
  }

  async invite (): Promise<string> { return this.live.roster.invite() }
  /**
   * Add a contact and wait for the connection to it (which addContact dials in the background): a
   * world of a thousand nodes making 17,000 contacts at once would start 17,000 Noise handshakes
   * together, and on two cores every one of them timed out. A person adds contacts one at a time.
   */
  async addContact (name: string, invite: string): Promise<void> {
    const ferry = this.live
    const contact = await ferry.roster.add(name, invite)
    const peer = peerIdFromString(contact.peerId)
    if (ferry.libp2p.getConnections(peer).length > 0) return
    await ferry.libp2p.dial(contact.addresses.map(a => multiaddr(`${a}/p2p/${contact.peerId}`)), { signal: AbortSignal.timeout(CONTACT_DIAL_MS) }).catch(() => {})
  }

  async hostMailbox (owner: string): Promise<void> { await this.live.needMailboxes().host(owner) }
  async useMailboxes (hosts: string[]): Promise<void> { await this.live.useMailboxes(hosts) }
  async resume (): Promise<void> { await this.ferry?.resume() }

  async send (to: string, text: string, ttlMs?: number): Promise<{ id: string, expiresAt: number }> {
    const m = await this.live.conversations.send(to, text, ttlMs == null ? {} : { ttlMs })
    return { id: m.id, expiresAt: m.expiresAt }
  }

  async changes (afterRev: number): Promise<MessageChange[]> {
    // the stores outlive the node: a stopped node's history stays readable
    return (await this.stores.messages.list({ changedAfter: afterRev })).map(m => ({
      id: m.id, direction: m.direction, text: m.text, status: m.status, rev: m.rev, mailboxes: m.mailboxes?.length ?? 0, deliveredAt: m.deliveredAt, expiresAt: m.expiresAt
    }))
  }
}

/** A node's team rooms through the Ferry API; histories are read from its store, which outlives the node. */
class InProcessRooms implements RoomControl {
  constructor (private readonly node: InProcessNode, private readonly world: InProcessWorld) {}

  private get groups (): NonNullable<Ferry['groups']> {
    const groups = this.node.live.groups
    if (groups == null) throw new Error(`node ${this.node.name} has no team rooms`)
    return groups
  }

  async create (name: string, members: string[]): Promise<string> { return (await this.groups.create(name, members)).group }
  async admin (group: string, member: string): Promise<void> { await this.groups.admin(group, member) }
  async add (group: string, member: string): Promise<void> { await this.groups.add(group, [member]) }
  async remove (group: string, member: string): Promise<void> { await this.groups.remove(group, [member]) }

  async joined (group: string): Promise<true | string> {
    if (!this.node.running()) return 'stopped'
    const keys = await this.groups.info(group).then(info => info.keys, (err: Error) => `${err.name}: ${err.message}`)
    return keys === 'member' || keys
  }

  async send (group: string, text: string, ttlMs: number): Promise<{ id: string, expiresAt: number, recipients: string[] }> {
    const sent = await this.groups.send(group, text, ttlMs)
    // this room's history alone, not every room's
    const entry = (await this.groups.messages(group)).find(m => m.direction === 'out' && m.id === sent.id)
    return { id: sent.id, expiresAt: sent.expiresAt, recipients: entry == null ? [] : roomEntry(entry, this.nodeOf).recipients.map(r => r.node) }
  }

  async history (): Promise<RoomEntry[]> {
    const store = this.node.stores.rooms
    if (store == null) return []
    const out: RoomEntry[] = []
    for (const group of await store.listRooms()) {
      for (const e of await store.roomHistory(group)) out.push(roomEntry(messageView(group, e), this.nodeOf))
    }
    return out
  }

  private readonly nodeOf = (identity: string): string => this.world.identities.get(identity) ?? identity
}

/** The shared parts of an in-process network. */
export class InProcessWorld implements NetworkControl {
  readonly cut = new Cut()
  readonly run = `sim-${Math.random().toString(36).slice(2, 8)}`
  readonly crypto: CryptoBackend = nodeCrypto()
  readonly nodes = new Map<string, InProcessNode>()
  /** identity string -> node name (room histories name members by identity) */
  readonly identities = new Map<string, string>()
  /** bytes every node hands its transport (meter.ts) */
  readonly meter = new WireMeter()
  /** this process's CPU time (beginMeasuring() restarts it) */
  readonly cpu = new ProcessCpu()
  /** bytes sent before beginMeasuring(): contacts, mailbox agreements, joining the DHT */
  private setUpBytes?: number

  constructor (readonly scenario: Scenario, readonly options: InProcessOptions = {}) {}

  async partition (side: string[]): Promise<void> {
    this.cut.side = new Set(side)
    for (const n of this.nodes.values()) {
      const me = n.ferry?.peerId ?? ''
      for (const c of n.ferry?.libp2p.getConnections() ?? []) {
        if (this.cut.separates(me, c.remotePeer.toString())) void c.close().catch(() => {})
      }
    }
  }

  async heal (): Promise<void> {
    this.cut.side = undefined
  }

  async shape (): Promise<string | undefined> {
    return 'skipped: the memory transport\'s delay is fixed when a node starts (use netns mode)'
  }

  /** The measured span starts now: bytes, DHT lookups and CPU time count from here. */
  beginMeasuring (): void {
    this.setUpBytes = this.meter.bytes
    this.meter.reset()
    for (const n of this.nodes.values()) n.dhtLookups.reset()
    this.cpu.reset()
  }

  /** Bytes on the wire, DHT peer lookups and CPU per node since beginMeasuring() (or the start). */
  measured (): { bytesOnWire: number, bytesSetUp?: number, bytesByProtocol: Record<string, number>, untrackedConnections?: number, dht: DhtLookupSummary, cpuMsPerNode: number } {
    return {
      bytesOnWire: this.meter.bytes,
      ...(this.setUpBytes == null ? {} : { bytesSetUp: this.setUpBytes }),
      bytesByProtocol: Object.fromEntries(this.meter.byProtocol),
      ...(this.meter.untracked > 0 ? { untrackedConnections: this.meter.untracked } : {}),
      dht: sumDhtLookups([...this.nodes.values()].map(n => n.dhtLookups)),
      cpuMsPerNode: this.cpu.perNodeMs(Math.max(1, this.nodes.size))
    }
  }

  private peakRss = 0
  private readonly sampler = setInterval(() => { this.sampleMemory() }, 1_000).unref()

  /** Note this process's RSS (every second while the world exists, and when asked). */
  sampleMemory (): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss)
  }

  /**
   * Memory per node: the peak RSS of this whole process (nodes, driver and ledger) over the
   * nodes, sampled every second until the nodes stop; and nodes per GiB at that peak.
   */
  memoryMetrics (): { peakRssBytes: number, memoryPerNodeBytes: number, nodesPerGiB: number } {
    clearInterval(this.sampler)
    const perNode = this.peakRss / Math.max(1, this.nodes.size)
    return { peakRssBytes: this.peakRss, memoryPerNodeBytes: Math.round(perNode), nodesPerGiB: Math.floor(2 ** 30 / perNode) }
  }
}
