/**
 * The `inprocess` mode of `ferry sim` (issue 7 scope 2): every node is the production
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
import { createFerry, createIdentity, memoryStores } from '../../protocol/index.js'
import { nodeCrypto } from '../crypto.js'
import type { CryptoBackend, Ferry, FerryStores, Identity, MailboxPolicy } from '../../protocol/index.js'
import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import type { MessageChange, NetworkControl, NodeControl } from './driver.js'
import type { Scenario } from './types.js'

const off = Object.assign(() => {}, { enabled: false })
const silent: Logger = Object.assign(() => {}, { enabled: false, trace: off, error: off, newScope: () => silent })
/** A logger that logs nothing: libp2p makes a logger per stream, a measurable cost with hundreds of nodes. */
export const quietLogger: ComponentLogger = { forComponent: () => silent }

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
  /** mailbox host policy for every node (the planted-fault flag goes here) */
  mailboxPolicy?: Partial<MailboxPolicy>
}

export class InProcessNode implements NodeControl {
  ferry?: Ferry
  private constructor (readonly name: string, private readonly identity: Identity, readonly stores: FerryStores, private readonly world: InProcessWorld) {}

  static async create (name: string, world: InProcessWorld): Promise<InProcessNode> {
    return new InProcessNode(name, await createIdentity(), memoryStores({ mailbox: true }), world)
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
      mailbox: { replication: this.world.scenario.replication, policy: this.world.options.mailboxPolicy },
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

  private get live (): Ferry {
    if (this.ferry == null) throw new Error(`node ${this.name} is not running`)
    return this.ferry
  }

  async invite (): Promise<string> { return this.live.invite() }
  async addContact (name: string, invite: string): Promise<void> { await this.live.addContact(name, invite) }
  async hostMailbox (owner: string): Promise<void> { await this.live.hostMailbox(owner) }
  async useMailboxes (hosts: string[]): Promise<void> { await this.live.useMailboxes(hosts) }
  async resume (): Promise<void> { await this.ferry?.resume() }

  async send (to: string, text: string, ttlMs?: number): Promise<{ id: string, expiresAt: number }> {
    const m = await this.live.send(to, text, ttlMs == null ? {} : { ttlMs })
    return { id: m.id, expiresAt: m.expiresAt }
  }

  async changes (afterRev: number): Promise<MessageChange[]> {
    // the stores outlive the node: a stopped node's history stays readable
    return (await this.stores.messages.list({ changedAfter: afterRev })).map(m => ({
      id: m.id, direction: m.direction, text: m.text, status: m.status, rev: m.rev, mailboxes: m.mailboxes?.length ?? 0, deliveredAt: m.deliveredAt, expiresAt: m.expiresAt
    }))
  }
}

/** The shared parts of an in-process network. */
export class InProcessWorld implements NetworkControl {
  readonly cut = new Cut()
  readonly run = `sim-${Math.random().toString(36).slice(2, 8)}`
  readonly crypto: CryptoBackend = nodeCrypto()
  readonly nodes = new Map<string, InProcessNode>()

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

  /** Memory per node: this process's RSS over the nodes (bytes). */
  memoryPerNode (): number {
    return process.memoryUsage().rss / Math.max(1, this.nodes.size)
  }
}
