/**
 * The far side of the deposit benchmark, in its own process as a mailbox host is: a production
 * Ferry node with SQLite that keeps mail for an owner made up here (the owner need not run). Reads
 * the sender's identity key (hex) as one line on stdin, prints {"address", "capability",
 * "ownerDevice", "owner"} as one JSON line (the owner's capability for that sender, hex), and runs
 * until stdin closes. The deposit rate limit is lifted: it is a policy, not a cost.
 */
import { createInterface } from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import { createIdentity, identityToString } from '../../protocol/index.js'
import { DEFAULT_OWNER_QUOTA, signCapability } from '../../protocol/mailbox/index.js'
import { SqlitePeer } from '../node/sqlite-peer.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const DAY = 86_400_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const sender = Buffer.from(String((await lines.next()).value).trim(), 'hex')
const host = await SqlitePeer.create('m', { mailbox: { policy: { depositsPerSecond: 1e9, burst: 1e9 } } })
await host.start()
const owner = await createIdentity()
const ownerPeer = owner.deviceKey.publicKey.toString()
await host.node.mailboxes?.['init'].store.host({ peer: ownerPeer, identity: owner.identityKey.publicKey.raw, name: 'owner', quotaBytes: 1e9, quotaMessages: DEFAULT_OWNER_QUOTA.messages, maxTtlMs: 30 * DAY, addedAt: Date.now() })
const now = Date.now()
const capability = await signCapability(owner, { ownerDevice: peerIdFromString(ownerPeer).toMultihash().bytes, sender, hosts: [{ peerId: peerIdFromString(host.peerId).toMultihash().bytes, addrs: [] }], issuedAt: now, notAfter: now + DAY, quotaBytes: 1e9, quotaMessages: 1e6 }, defaultCrypto)
process.stdout.write(JSON.stringify({ address: host.node.addresses()[0], capability: hex(capability), ownerDevice: hex(peerIdFromString(ownerPeer).toMultihash().bytes), owner: identityToString(owner.identityKey.publicKey.raw) }) + '\n')
while ((await lines.next()).done !== true) { /* until stdin closes */ }
await host.remove()
process.exit(0)
