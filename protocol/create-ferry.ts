/**
 * createFerry: one Ferry peer — libp2p with injected transports and stores, the `/ferry/dm`,
 * `/ferry/bundle` and `/ferry/mailbox` services, the private DHT, inbox, outbox and reach — the
 * same assembly in Node and in the browser.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { livePing } from './live-ping.js'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { ContactBook } from './contact-book.js'
import { defaultCrypto } from './crypto.js'
import { equalBytes } from './envelope.js'
import { InvalidEnvelopeError } from './errors.js'
import { Inbox } from './inbox.js'
import { withDeviceCertificate } from './identity.js'
import { encodeBundle } from './crypto/bundle.js'
import { freshBundle, MAX_ISSUED_ONE_TIME_PREKEYS, MAX_ISSUED_TO_STRANGERS } from './prekey-upkeep.js'
import { bundles } from './services/bundle/index.js'
import { directMessages } from './services/dm/index.js'
import { Sessions } from './sessions.js'
import { privateDht } from './dht.js'
import { relayGater } from './relay-limits.js'
import { mailbox, openCapability } from './mailbox/index.js'
import type { TransportManager } from '@libp2p/interface-internal'
import type { Libp2p } from '@libp2p/interface'
import { CONNECTION_LIMITS, RELAY_LIMITS } from './ferry-types.js'
import type { FerryOptions, FerryServices } from './ferry-types.js'
import { Ferry } from './ferry.js'
import { MessageRequests } from './requests.js'

/** Where libp2p last saw `peer` (learned by identify), for a contact made from a message request. */
async function knownAddresses (libp2p: Libp2p, peer: string): Promise<string[]> {
  try {
    return (await libp2p.peerStore.get(peerIdFromString(peer))).addresses.map(a => a.multiaddr.toString())
  } catch {
    return []
  }
}

/**
 * Assemble a Ferry peer. Nothing starts until `ferry.start()`.
 *
 * @example
 * const ferry = await createFerry({ identity, stores, transports: [tcp()], listen: ['/ip4/127.0.0.1/tcp/0'] })
 * await ferry.start()
 */
export async function createFerry (options: FerryOptions): Promise<Ferry> {
  const opts = { ...options, identity: await withDeviceCertificate(options.identity) }
  const now = opts.now ?? Date.now
  const crypto = opts.crypto ?? defaultCrypto
  const { messages, contacts, prekeys } = opts.stores
  const sessions = new Sessions({ crypto, me: opts.identity, prekeys, load: async peer => messages.session(peer) })
  const contactBook = new ContactBook(contacts, { identity: opts.identity.identityKey.publicKey.raw, peerId: peerIdFromPrivateKey(opts.identity.deviceKey).toString() }, crypto, now)
  const me = opts.identity.identityKey.publicKey.raw
  const inbox = new Inbox({
    messages,
    sessions,
    now,
    relation: async peer => contactBook.relation(peer),
    onIdentity: async (peer, identity) => contactBook.identitySeen(peer, identity),
    onStored: m => { if (m.disappearing === true) ferry?.armExpiry(m.expiresAt) },
    // a capability must be the sender's own, for its own device, and name this node as sender
    checkCapability: async (bytes, from, sender) => {
      const c = await openCapability(bytes, crypto).catch((err: any) => { throw new InvalidEnvelopeError(err.message) })
      if (!equalBytes(c.owner, sender) || !equalBytes(c.ownerDevice, from.toMultihash().bytes) || !equalBytes(c.sender, me)) throw new InvalidEnvelopeError('the capability is not from this sender for this node')
    }
  })
  // the gater reads the node, which exists only once createLibp2p returns
  const built: { node?: Libp2p<FerryServices> } = {}
  const libp2p = await createLibp2p({
    start: false,
    privateKey: opts.identity.deviceKey,
    datastore: opts.datastore,
    logger: opts.logger,
    metrics: opts.metrics,
    addresses: { listen: opts.listen ?? [] },
    transports: [...opts.transports, circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 256, maxOutboundStreams: 256, enableKeepAlive: opts.keepAlive !== false })],
    // per-address caps on what the relay server gives (relay-limits.ts)
    connectionGater: relayGater(opts.connectionGater, () => {
      const node = built.node
      return node == null ? undefined : { getConnections: peer => node.getConnections(peer), relay: node.services.relay }
    }),
    connectionMonitor: opts.connectionMonitor,
    connectionManager: { ...CONNECTION_LIMITS, ...opts.connectionLimits },
    services: {
      ...(opts.services ?? {}),
      identify: identify(),
      ping: livePing(),
      dm: directMessages({ receiver: inbox, now, crypto }),
      ...(opts.dht === false ? {} : { dht: privateDht(opts.dht ?? 'server', now, crypto) }),
      listener: (components: { transportManager: TransportManager }) => ({ transportManager: components.transportManager }),
      ...(opts.lan == null ? {} : { lan: opts.lan }),
      ...(opts.relayServer === true ? { relay: circuitRelayServer({ reservations: RELAY_LIMITS }) } : {}),
      ...(opts.nat === true ? { autoNAT: autoNAT(), dcutr: dcutr() } : {}),
      mailbox: mailbox({ store: opts.stores.mailbox, policy: opts.mailbox?.policy, now, crypto }),
      bundles: bundles({
        now,
        isContact: async peer => await contacts.getByPeer(peer.toString()) != null,
        provide: async ({ oneTime, stranger }) => encodeBundle(await freshBundle(crypto, opts.identity, prekeys, now(), { oneTime, maxIssued: stranger ? MAX_ISSUED_TO_STRANGERS : MAX_ISSUED_ONE_TIME_PREKEYS }))
      })
    }
  }) as unknown as Libp2p<FerryServices>
  built.node = libp2p
  const requests = new MessageRequests({ messages, contacts: contactBook, sessions, addresses: async peer => knownAddresses(libp2p, peer) })
  const ferry: Ferry = new Ferry(libp2p, opts, { sessions, contactBook, crypto, inbox, requests })
  return ferry
}
