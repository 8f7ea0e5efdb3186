/**
 * createFerry, the composition root: libp2p with injected transports and stores, the `/ferry/dm`,
 * `/ferry/bundle` and `/ferry/mailbox` services and the private DHT, then the features that use
 * them, each given only the components it needs — Directory, Presence, Mailboxes, Conversations,
 * Roster, the expiry Sweeper and PrekeyUpkeep — wrapped in the Ferry façade. The same assembly in
 * Node and in the browser.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { livePing } from './reach/live-ping.js'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { ContactBook } from './contacts/contact-book.js'
import { defaultCrypto } from './crypto/backend.js'
import { equalBytes } from './messaging/envelope.js'
import { InvalidEnvelopeError } from './errors.js'
import { Inbox } from './messaging/inbox.js'
import { withDeviceCertificate } from './crypto/identity.js'
import { encodeBundle } from './crypto/bundle.js'
import { freshBundle, MAX_ISSUED_ONE_TIME_PREKEYS, MAX_ISSUED_TO_STRANGERS } from './crypto/prekey-upkeep.js'
import { bundles } from './services/bundle/index.js'
import { directMessages } from './services/dm/index.js'
import { groupService } from './services/group/index.js'
import { Groups } from './groups/groups.js'
import type { Files } from './files/files.js'
import { Sessions } from './messaging/sessions.js'
import { privateDht } from './directory/dht.js'
import { relayGater } from './reach/relay-limits.js'
import { mailbox, openCapability } from './mailbox/index.js'
import type { TransportManager } from '@libp2p/interface-internal'
import type { Libp2p } from '@libp2p/interface'
import { CONNECTION_LIMITS, RELAY_LIMITS } from './ferry-types.js'
import { SESSION_RESTART_INTERVAL_MS } from './constants.js'
import type { FerryOptions, FerryServices } from './ferry-types.js'
import { Ferry } from './ferry.js'
import { Conversations } from './messaging/conversations.js'
import { DhtLookupTally } from './directory/dht-stats.js'
import { Directory } from './directory/directory.js'
import { MAILBOX_POLL_MS, Mailboxes } from './mailbox/index.js'
import { PrekeyUpkeep } from './crypto/prekey-upkeep.js'
import { Presence } from './reach/presence.js'
import { parsePeerAddrs } from './reach/relays.js'
import { Roster } from './contacts/roster.js'
import { Tasks } from './util/tasks.js'
import { Sweeper } from './util/timers.js'
import { Devices } from './devices/devices.js'
import { decodeJson } from './devices/link-payload.js'
import { Key } from 'interface-datastore'
import type { DeviceListStore } from './devices/devices.js'
import type { DeviceEntry } from './devices/device-list.js'
import { MessageRequests } from './messaging/requests.js'
import { CallSignals } from './calls/signals.js'

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
  const { identity } = opts
  const expiry: Sweeper = new Sweeper({
    sweep: async at => messages.sweepExpired(at),
    next: async () => messages.nextExpiry(),
    now,
    onError: err => { log.error('expiry sweep failed - %e', err) }
  })
  // call signalling (protocol/calls/): the web app places calls; every peer hears the signals
  const calls = new CallSignals({
    send: async (contact, text, o) => conversations.send(contact, text, o),
    nameOf: async peer => (await conversations.names()).get(peer),
    log: (format, ...args) => { log(format, ...args) }
  })
  const inbox = new Inbox({
    messages,
    calls,
    sessions,
    now,
    relation: async peer => contactBook.relation(peer),
    onIdentity: async (peer, identity) => contactBook.identitySeen(peer, identity),
    onStored: m => {
      if (m.disappearing === true) expiry.arm(m.expiresAt)
      if (m.request !== true) tasks.track(devices.tell(m.peer)) // a contact who has not heard of this person's devices yet
    },
    onUndecryptable: peer => { restartSoon(peer) },
    adoptDevice: async (peer, identity) => contactBook.adoptDevice(peer, identity),
    onDevices: async (list, identity, peer) => devices.received(list, identity, peer),
    onSentCopy: async (content, peer) => {
      await conversations.recordSent(content)
      // a file this person sent from another device: kept as sent here too, fetched from that device
      const sent = content.sent
      if (content.file != null && sent != null && built.files != null) await built.files.announced(content.file, { id: sent.id, peer, createdAt: content.sentAt, expiresAt: sent.expiresAt, disappearing: content.disappearing === true }, 'out')
    },
    onReadSync: async content => conversations.applyReadSync(content),
    onFile: async (file, m) => {
      if (built.files == null) throw new InvalidEnvelopeError('this node takes no files')
      await built.files.announced(file, m)
    },
    onContactSync: async content => {
      let c: any
      try {
        c = decodeJson(content.contactSync ?? new Uint8Array(0))
      } catch (err: any) {
        throw new InvalidEnvelopeError(`a synced contact is ${err.message as string}`)
      }
      if (typeof c?.name !== 'string' || typeof c.peerId !== 'string' || !Array.isArray(c.addresses)) throw new InvalidEnvelopeError('a synced contact is malformed')
      await contactBook.applySync(c).catch((err: any) => { throw new InvalidEnvelopeError(`a synced contact is refused: ${err.message as string}`) })
    },
    // a capability must be the sender's own, for its own device, and name this node as sender
    checkCapability: async (bytes, from, sender) => {
      const c = await openCapability(bytes, crypto).catch((err: any) => { throw new InvalidEnvelopeError(err.message) })
      if (!equalBytes(c.owner, sender) || !equalBytes(c.ownerDevice, from.toMultihash().bytes) || !equalBytes(c.sender, me)) throw new InvalidEnvelopeError('the capability is not from this sender for this node')
    }
  })
  // the gater reads the node, which exists only once createLibp2p returns; the group service's
  // receiver is the Groups feature, built after the node (until then it admits nobody)
  const built: { node?: Libp2p<FerryServices>, groups?: Groups, files?: Files } = {}
  // loaded only where used: NAT services and the relay server by daemons, files where a file store is
  const nat = opts.nat === true ? await Promise.all([import('@libp2p/autonat'), import('@libp2p/dcutr')]) : undefined
  const filing = opts.stores.files == null ? undefined : await Promise.all([import('./files/files.js'), import('./files/blob.js')])
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
      group: groupService({
        me: opts.identity,
        now,
        receiver: {
          admit: async (room, from) => await built.groups?.receiver.admit(room, from) ?? false,
          receive: async (room, packet, from) => {
            if (built.groups == null) throw new Error('this node keeps no rooms')
            return await built.groups.receiver.receive(room, packet, from)
          }
        }
      }),
      ...(opts.dht === false ? {} : { dht: privateDht(opts.dht ?? 'server', now, crypto) }),
      listener: (components: { transportManager: TransportManager }) => ({ transportManager: components.transportManager }),
      ...(opts.lan == null ? {} : { lan: opts.lan }),
      ...(opts.relayServer === true ? { relay: circuitRelayServer({ reservations: RELAY_LIMITS }) } : {}),
      ...(nat == null ? {} : { autoNAT: nat[0].autoNAT(), dcutr: nat[1].dcutr() }),
      mailbox: mailbox({ store: opts.stores.mailbox, policy: opts.mailbox?.policy, now, crypto }),
      ...(filing == null ? {} : { blob: filing[1].blobService({ chunk: async (root, index) => await built.files?.serve(root, index), served: bytes => built.files?.served(bytes) }) }),
      bundles: bundles({
        now,
        isContact: async peer => await contacts.getByPeer(peer.toString()) != null,
        provide: async ({ oneTime, stranger }) => encodeBundle(await freshBundle(crypto, opts.identity, prekeys, now(), { oneTime, maxIssued: stranger ? MAX_ISSUED_TO_STRANGERS : MAX_ISSUED_ONE_TIME_PREKEYS }))
      })
    }
  }) as unknown as Libp2p<FerryServices>
  built.node = libp2p
  const log = libp2p.logger.forComponent('ferry')
  const logger = (name: string): ReturnType<typeof libp2p.logger.forComponent> => libp2p.logger.forComponent(`ferry:${name}`)
  const tasks = new Tasks()
  const dhtLookups = opts.dhtLookups ?? new DhtLookupTally()
  // Mailboxes and Conversations use each other (a capability is sent as a message): the closures
  // below run only after every feature exists
  const mailboxStore = opts.stores.mailbox
  const mailboxes = mailboxStore == null
    ? undefined
    : new Mailboxes({
      libp2p,
      store: mailboxStore,
      messages,
      contacts,
      identity,
      crypto,
      now,
      log: logger('mailboxes'),
      connect: async (peer, addrs) => presence.connect(peer, addrs),
      // group mail goes to the rooms, never to the inbox: a room-scoped capability cannot bring a direct message
      accept: async (env, bytes, from) => {
        if (env.chunk != null) {
          if (built.files == null) throw new InvalidEnvelopeError('a file chunk, and this node takes no files')
          return await built.files.acceptChunk(env, from)
        }
        if (env.group == null) return await inbox.accept(env, bytes, from, 'mailbox')
        if (built.groups == null) throw new InvalidEnvelopeError('group mail, and this node keeps no rooms')
        return await built.groups.acceptMail(env, from)
      },
      sendCapability: async (contact, capability) => conversations.sendCapability(contact, capability),
      prekeys,
      replication: opts.mailbox?.replication,
      devices: async () => await devices.linked() ? await devices.encoded() : undefined
    })
  const directory = new Directory({
    libp2p,
    identity,
    prekeys,
    crypto,
    now,
    log,
    mailboxHosts: async () => await mailboxes?.hostIds() ?? [],
    // the DHT's devices record names every device of the signed list (revoked ones are not in it)
    devices: async () => (await devices.views()).map(d => ({ peerId: peerIdFromString(d.device).toMultihash().bytes, signature: d.certificate })),
    bootstrap: parsePeerAddrs('bootstrap peer', opts.bootstrap ?? [])
  })
  const presence: Presence = new Presence({ libp2p, contacts, contactBook, directory, dhtLookups, relays: parsePeerAddrs('relay', opts.relays ?? []), now, log })
  const conversations: Conversations = new Conversations({
    libp2p,
    identity,
    messages,
    contacts,
    contactBook,
    sessions,
    presence,
    expiry,
    mailboxes,
    crypto,
    now,
    randomBytes: opts.randomBytes ?? (n => globalThis.crypto.getRandomValues(new Uint8Array(n))),
    readReceipts: opts.readReceipts !== false,
    graceMs: opts.mailbox?.graceMs,
    log,
    ownDevices: async () => devices.others(),
    beforeDeposit: async (peer, queued) => { await built.files?.beforeDeposit(peer, queued) }
  })
  // a contact added or verified here: the person's other devices take it too, and (when added) it
  // learns the person's devices
  contactBook.onChange = (contact, what) => {
    tasks.track((async () => {
      if (!await devices.linked()) return
      await conversations.syncContact(contact)
      if (what === 'added') await devices.tell(contact.peerId)
    })().catch((err: any) => { log('a contact was not synced to the other devices: %s', err.message) }))
  }
  const devices: Devices = new Devices({
    identity,
    peerId: libp2p.peerId.toString(),
    store: opts.deviceList ?? deviceListStore(opts.datastore),
    contacts,
    contactBook,
    now,
    hints: async () => ({ addrs: libp2p.getMultiaddrs().map(a => a.toString()), bundle: encodeBundle(await freshBundle(crypto, identity, prekeys, now(), { oneTime: false, maxIssued: 0 })) }),
    send: async (to, list) => conversations.sendDevices(to, list),
    published: () => { tasks.track(directory.publish(['devices'])) },
    changed: () => { tasks.track(built.groups?.devicesChanged() ?? Promise.resolve()) },
    log: logger('devices')
  })
  // a contact sent on a session this node does not hold: offer one it does (rate limited per contact)
  const restarted = new Map<string, number>()
  const restartSoon = (peer: string): void => {
    const last = restarted.get(peer)
    if (last != null && now() - last < SESSION_RESTART_INTERVAL_MS) return
    restarted.set(peer, now())
    void (async () => {
      await conversations.restartSessionWith(peer) // the very device whose session broke
    })().catch((err: any) => { log('session restart for %s failed: %s', peer, err.message) })
  }
  const requests = new MessageRequests({ messages, contacts: contactBook, sessions, addresses: async peer => knownAddresses(libp2p, peer) })
  const ownDevices = async (): Promise<{ others: DeviceEntry[], revoked: string[] }> => ({ others: await devices.others(), revoked: (await devices.load()).revoked })
  const groups = opts.stores.rooms == null ? undefined : new Groups({ libp2p, identity, store: opts.stores.rooms, prekeys, contacts, crypto, now, log: logger('groups'), connect: async (peer, addrs) => await presence.connect(peer, addrs), mailboxes, ownDevices, isOwnDevice: peer => contactBook.isOwnDevice(peer), files: () => built.files })
  built.groups = groups
  const fileStore = opts.stores.files
  const files = built.files = fileStore == null || filing == null
    ? undefined
    : new filing[0].Files({
      libp2p,
      store: fileStore,
      crypto,
      now,
      log: logger('files'),
      maxFileBytes: opts.maxFileBytes,
      contactPeer: async name => (await contactBook.sendable(name)).peerId,
      announce: async (name, caption, file, o) => conversations.send(name, caption, { ...o, file }),
      announceRoom: groups == null ? undefined : async (group, caption, file, ttlMs) => await groups.send(group, caption, ttlMs, file),
      // a contact's device, or one of this person's own (a file sent from it)
      connect: async peer => presence.connect(peer, (await contacts.getByPeer(peer))?.addresses ?? (await devices.others()).find(d => d.peer === peer)?.addrs ?? []),
      isContact: async peer => (await contactBook.relation(peer)).kind === 'contact',
      deposit: mailboxes == null
        ? undefined
        : async (peer, items) => {
          const capability = await messages.capability(peer) ?? await messages.capability((await contacts.getByPeer(peer))?.peerId ?? peer)
          return capability == null ? undefined : await mailboxes.depositWith(capability, items, 'the recipient')
        }
    })
  const roster = new Roster({ libp2p, identity, name: opts.name ?? '', contacts, contactBook, requests, presence, outbox: conversations.outbox, mailboxes, prekeys, crypto, tasks, now, log })
  return new Ferry({
    libp2p,
    calls,
    identity,
    stores: opts.stores,
    contactBook,
    conversations,
    roster,
    presence,
    directory,
    dhtLookups,
    expiry,
    prekeys: new PrekeyUpkeep({ crypto, identity, prekeys, now, onError: err => { log.error('prekey upkeep failed - %e', err) } }),
    tasks,
    mailboxes,
    groups,
    files,
    devices,
    log,
    pollMs: opts.mailbox?.pollMs ?? MAILBOX_POLL_MS,
    publishOnStart: opts.publishOnStart !== false,
    stopSettleMs: opts.stopSettleMs ?? 0
  })
}

/** The own signed device list, kept in the platform's datastore (in memory without one). */
function deviceListStore (datastore: FerryOptions['datastore']): DeviceListStore {
  const key = new Key('/ferry/devices')
  let kept: Uint8Array | undefined
  return {
    load: async () => {
      if (datastore == null) return kept
      return await datastore.has(key) ? await datastore.get(key) : undefined
    },
    save: async bytes => {
      if (datastore == null) kept = bytes
      else await datastore.put(key, bytes)
    }
  }
}
