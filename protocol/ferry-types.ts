/**
 * The shapes around a Ferry peer: its options, its libp2p services, what status and lookup report,
 * and the relay and connection limits it runs with.
 */
import type { Mailbox, MailboxPolicy } from './mailbox/index.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { KadDHT } from '@libp2p/kad-dht'
import type { TransportManager } from '@libp2p/interface-internal'
import type { CryptoBackend } from './crypto/backend.js'
import type { DhtLookupSummary, DhtLookupTally } from './directory/dht-stats.js'
import type { Identity } from './crypto/identity.js'
import type { Bundles } from './services/bundle/index.js'
import type { BlobExchange } from './files/blob.js'
import type { FileView } from './files/files.js'
import type { GroupExchange } from './services/group/index.js'
import type { DirectMessages } from './services/dm/index.js'
import type { FerryStores, MessageRecord, MessageStatus } from './stores/stores.js'
import type { ReachSource, TransportName } from './reach/reach.js'
import type { ComponentLogger, PeerDiscovery } from '@libp2p/interface'
import type { DeviceListStore } from './devices/devices.js'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions } from 'libp2p'

export interface FerryOptions {
  identity: Identity
  stores: FerryStores
  /** platform transports, e.g. [webRTCDirect(), tcp(), webSockets()] */
  transports: NonNullable<Libp2pOptions['transports']>
  /** multiaddrs to listen on */
  listen?: string[]
  /** persistent libp2p datastore (peer store, keychain, WebRTC-direct certificate) */
  datastore?: Datastore
  /** where this identity's signed device list is kept (default: the datastore, else memory) */
  deviceList?: DeviceListStore
  /** extra libp2p services (e.g. a keychain so the WebRTC-direct certificate persists) */
  services?: Record<string, (components: any) => unknown>
  /** display name put in invites */
  name?: string
  /**
   * The private Kademlia DHT on /ferry/kad/1.0.0 (never the public one): 'server' on reachable
   * daemons, 'client' on browsers and peers behind NAT, false to leave it out. Default 'server'.
   */
  dht?: 'server' | 'client' | false
  /**
   * LAN discovery (mDNS in Node: node/lan.ts). Contacts announced on the LAN are dialled at once
   * and their announced addresses are tried first. Default: none.
   */
  lan?: (components: any) => PeerDiscovery
  /**
   * Act as a circuit relay v2 for peers that cannot be reached directly (reachable daemons), with
   * RELAY_LIMITS. Every node can dial through relays and reserve a slot (listen on
   * `<relay>/p2p-circuit`) whatever this says. Default false.
   */
  relayServer?: boolean
  /**
   * Publish this node's DHT records once it has joined (default true; they are republished every
   * RECORD_REPUBLISH_MS either way). Simulations that form a whole network first turn it off and
   * call publishRecords() when the network stands.
   */
  publishOnStart?: boolean
  /** relays to hold a slot on (multiaddrs ending in /p2p/<relay>), for a node others cannot dial */
  relays?: string[]
  /** peers to join the DHT through (multiaddrs with /p2p/), besides contacts and the peer store */
  bootstrap?: string[]
  /** AutoNAT and DCUtR (hole punching); both act only on public addresses. Default false. */
  nat?: boolean
  /**
   * libp2p's connection monitor (an RTT ping on every connection every 10 s by default, which
   * also finds dead connections). Simulations of thousands of connections in one process turn it
   * off; a daemon keeps the default.
   */
  connectionMonitor?: Libp2pOptions['connectionMonitor']
  /**
   * yamux keep-alive: a ping on every connection every 30 s (default on), which keeps NAT
   * mappings and idle TCP connections open. In-process simulations turn it off: over the memory
   * transport there is nothing to keep open, and with tens of thousands of connection ends in one
   * process (1,000 nodes) the pings took about 30 % of the CPU.
   */
  keepAlive?: boolean
  connectionGater?: Libp2pOptions['connectionGater']
  /**
   * Overrides of CONNECTION_LIMITS. `maxConnections` bounds the connections kept open: above it
   * libp2p closes the least valued (contacts are valued over DHT neighbours, which are otherwise
   * never closed). Simulations of large networks lower it (node/sim, scenario `maxConnections`).
   */
  connectionLimits?: Partial<typeof CONNECTION_LIMITS>
  /**
   * On stop, close connections and wait this long before stopping libp2p (default 0: stop at
   * once). Daemons use it for WebRTC: node-datachannel can abort the process when its listener
   * closes while peer connections are still being torn down (seen ~50 % of shutdowns after a
   * message exchange; never with a 500 ms pause).
   */
  stopSettleMs?: number
  /**
   * Mailboxes (needs `stores.mailbox`): what this node accepts as a host, how many mailboxes a
   * sender deposits to (k, default 2), how long an unreachable recipient's message waits before it
   * goes to mailboxes (default 5 s), and how often to fetch and collect receipts (default 60 s).
   */
  mailbox?: { policy?: Partial<MailboxPolicy>, replication?: number, graceMs?: number, pollMs?: number }
  /**
   * Tell contacts when this user has read their messages (`Ferry.markRead`): an encrypted control
   * message through the session, never shown in history. Default true; false keeps reading private
   * (incoming read receipts are still applied).
   */
  readReceipts?: boolean
  /** the largest file this node sends or takes, in bytes (protocol/files/: default 100 MiB) */
  maxFileBytes?: number
  logger?: ComponentLogger
  /**
   * A libp2p metrics implementation, passed through to libp2p (which hands it every connection
   * and protocol stream). The simulator's byte meter is one (node/sim/meter.ts). Default: none.
   */
  metrics?: Libp2pOptions['metrics']
  /**
   * Where this node counts its DHT peer lookups (dht-stats.ts); pass one to keep the counts across
   * restarts or to share them between nodes. Default: a tally of its own, `Ferry.dhtLookups`.
   */
  dhtLookups?: DhtLookupTally
  /** signatures and hashes (node/crypto.ts in Node); default: platform-independent */
  crypto?: CryptoBackend
  /** clock in ms; injectable for tests */
  now?(): number
  /** randomness; injectable for tests */
  randomBytes?(n: number): Uint8Array
}

export interface ConnectionInfo {
  peer: string
  contact?: string
  transport: TransportName
  remoteAddr: string
  direction: 'inbound' | 'outbound'
}

export interface FerryStatus {
  peerId: string
  identity: string
  addresses: string[]
  connections: ConnectionInfo[]
  outbox: number
  /**
   * the private DHT (absent when off): mode, how many peers its routing table holds, and how the
   * peer lookups counted in `FerryOptions.dhtLookups` went (dht-stats.ts)
   */
  dht?: { mode: 'server' | 'client', routingTable: number, lookups: DhtLookupSummary }
  /** LAN discovery: on or off, and how many Ferry peers were announced recently */
  lan: { enabled: boolean, peers: number }
  /**
   * Relays: `reservations` are the relays this node holds a slot on (peer ids), `addresses` the
   * relayed addresses it can be reached at; `serving` counts peers holding a slot here.
   */
  relay: { server: boolean, serving: number, reservations: string[], addresses: string[] }
}

/** How `ferry lookup` reached a contact. */
export interface LookupResult {
  target: string
  peer: string
  contact?: string
  source: ReachSource
  hops: number
  transport: TransportName
  remoteAddr: string
  addresses: string[]
  ms: number
}

/** A message as the API shows it: the contact's name when known, else its peer id. */
export interface MessageView extends MessageRecord {
  contact: string
  /**
   * a message sent to a person with several devices: each device's status (the message's own
   * status is the best of them: delivered once any device holds it)
   */
  devices?: Array<{ device: string, status: MessageStatus }>
  /** the file this message announces (protocol/files/) */
  file?: FileView
}

/** The Ferry services on the libp2p node. */
export interface FerryServices extends Record<string, unknown> {
  dm: DirectMessages
  bundles: Bundles
  group: GroupExchange
  mailbox: Mailbox
  /** absent without a file store */
  blob?: BlobExchange
  dht?: KadDHT
  lan?: PeerDiscovery
  relay?: CircuitRelayService
  /** libp2p's transport manager, to listen on relay addresses after start */
  listener: { transportManager: TransportManager }
}

/**
 * What a relaying daemon gives others (DESIGN.md "Defaults"): enough for a small team's messages,
 * not a public relay. A relayed connection is reset after 10 minutes or 4 MiB and is simply
 * re-opened; reservations last an hour and are refreshed by the client.
 */
export const RELAY_LIMITS = {
  maxReservations: 32,
  reservationTtl: 60 * 60 * 1000,
  defaultDurationLimit: 10 * 60 * 1000,
  defaultDataLimit: BigInt(4 * 1024 * 1024)
}

/** Connection limits, chosen deliberately (js-libp2p doc/LIMITS.md): a messenger has tens of contacts, not thousands. */
export const CONNECTION_LIMITS = {
  maxConnections: 200,
  maxIncomingPendingConnections: 16,
  maxParallelDials: 32,
  dialTimeout: 10_000,
  inboundUpgradeTimeout: 10_000
}
