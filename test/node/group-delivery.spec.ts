import { peerIdFromPrivateKey } from '@libp2p/peer-id'
/**
 * Team rooms over the wire: three real libp2p nodes (TCP on 127.0.0.1, Noise, yamux), each with
 * its Rooms (memory RoomStore), the /ferry/group/1.0.0 service and RoomDelivery. Alice is a
 * contact of bob and of carol; bob and carol are not each other's contacts and never connect.
 * Not yet the daemons of the acceptance (createFerry does not build rooms yet): this is
 * the delivery layer those will run, with its real service and real rooms.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { identityDhSignatureMessage } from '../../protocol/crypto/bundle.js'
import { toHex } from '../../protocol/util/bytes.js'
import { Rooms } from '../../protocol/groups/rooms.js'
import { verifyOp } from '../../protocol/groups/ops.js'
import { RoomDelivery } from '../../protocol/groups/delivery.js'
import { MemoryRoomStore } from '../../protocol/stores/memory/rooms.js'
import { groupService } from '../../protocol/services/group/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import type { Card } from '../../protocol/groups/cards.js'
import type { GroupExchange } from '../../protocol/services/group/index.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { Connection, Libp2p } from '@libp2p/interface'

const crypto = nodeCrypto()
const te = new TextEncoder()
const td = new TextDecoder()

interface Member {
  name: string
  me: Identity
  id: Uint8Array
  card: Card
  node: Libp2p<{ group: GroupExchange }>
  rooms: Rooms
  delivery: RoomDelivery
  contacts: Set<string>
  /** "sender: text", in the order they opened */
  got: string[]
  errors: Error[]
}

describe('team rooms over /ferry/group/1.0.0', function () {
  this.timeout(60_000)
  const members: Member[] = []
  const cards = new Map<string, Card>()
  const nameOf = (id: Uint8Array): string => members.find(m => toHex(m.id) === toHex(id))?.name ?? '?'

  async function member (name: string): Promise<Member> {
    const me = await createIdentity()
    const initial = await crypto.x25519Generate()
    const id = me.identityKey.publicKey.raw
    const card = { dh: initial.publicKey, signature: await crypto.sign(heldIdentityKey(me.identityKey), identityDhSignatureMessage(initial.publicKey)) }
    cards.set(toHex(id), card)
    const rooms = new Rooms({ store: new MemoryRoomStore(), init: { me, crypto, initialPrivateKey: initial.privateKey, cards: i => cards.get(toHex(i)) } })
    const m = { name, me, id, card, contacts: new Set<string>(), got: [], errors: [] } as unknown as Member
    m.delivery = new RoomDelivery({
      rooms,
      crypto,
      exchange: { exchange: async (...args) => await m.node.services.group.exchange(...args) },
      connectionsTo: identity => connectionsTo(m, identity),
      isContact: identity => m.contacts.has(toHex(identity)),
      onMessage: (_room, msg) => m.got.push(`${nameOf(msg.sender)}: ${td.decode(msg.plaintext)}`),
      onError: err => m.errors.push(err)
    }, id, peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes)
    m.rooms = rooms
    m.node = await createLibp2p({
      privateKey: me.deviceKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { group: groupService({ me, receiver: m.delivery }) }
    })
    await m.node.start()
    members.push(m)
    return m
  }

  /** The open connections from `m` to the member with `identity` (its device is its peer id here). */
  function connectionsTo (m: Member, identity: Uint8Array): Connection[] {
    const other = members.find(o => toHex(o.id) === toHex(identity))
    return other == null ? [] : m.node.getConnections(other.node.peerId).filter(c => c.status === 'open')
  }

  async function befriend (a: Member, b: Member): Promise<void> {
    a.contacts.add(toHex(b.id))
    b.contacts.add(toHex(a.id))
    await a.node.dial(b.node.getMultiaddrs()[0])
  }

  async function idle (...ms: Member[]): Promise<void> {
    for (let i = 0; i < 3; i++) for (const m of ms) await m.delivery.settled()
  }

  async function send (m: Member, group: Uint8Array, text: string): Promise<void> {
    await m.delivery.act(group, async room => ({ ops: [], messages: [(await room.send(te.encode(text))).bytes] }))
  }

  after(async () => { await Promise.all(members.map(async m => m.node.stop())) })

  it('three members, two of them not contacts and never connected: each one\'s messages reach the other two once, in order', async () => {
    const [alice, bob, carol] = [await member('alice'), await member('bob'), await member('carol')]
    await befriend(alice, bob)
    await befriend(alice, carol)
    const made = await alice.rooms.create('ops', [bob.id, carol.id])
    const group = made.room.group
    await alice.delivery.act(group, async () => ({ ops: made.ops }))
    await idle(alice, bob, carol)
    for (const m of [bob, carol]) assert.equal(m.rooms.get(group)?.keyStatus, 'member', `${m.name} joined from alice's push and is in the keys`)
    for (let i = 1; i <= 3; i++) for (const m of [alice, bob, carol]) await send(m, group, `${m.name} ${i}`)
    await idle(alice, bob, carol)
    for (const m of [alice, bob, carol]) {
      const others = [alice, bob, carol].filter(o => o !== m)
      for (const o of others) assert.deepEqual(m.got.filter(t => t.startsWith(`${o.name}:`)), [1, 2, 3].map(i => `${o.name}: ${o.name} ${i}`), `${m.name} reads ${o.name}'s three once, in order`)
      assert.equal(m.got.length, 6)
    }
    assert.equal(bob.node.getConnections(carol.node.peerId).length, 0, 'bob and carol never connected: alice ferried')
  })

  it('a member offline while two others send catches up once, from a teammate, on sync', async () => {
    const [alice, bob, carol] = [await member('alice2'), await member('bob2'), await member('carol2')]
    await befriend(alice, bob)
    await befriend(alice, carol)
    const made = await alice.rooms.create('field', [bob.id, carol.id])
    const group = made.room.group
    await alice.delivery.act(group, async () => ({ ops: made.ops }))
    await idle(alice, bob, carol)
    // carol drops off; alice and bob each send 10
    await alice.node.hangUp(carol.node.peerId)
    for (let i = 1; i <= 10; i++) { await send(alice, group, `a${i}`); await send(bob, group, `b${i}`) }
    await idle(alice, bob, carol)
    assert.equal(carol.got.length, 0, 'carol was away')
    // carol comes back and meets bob only (a stranger to her: he is a member, so he may speak for the room)
    const connection = await carol.node.dial(bob.node.getMultiaddrs()[0])
    await carol.delivery.sync(connection, bob.id)
    await idle(alice, bob, carol)
    assert.deepEqual(carol.got.filter(t => t.startsWith('alice2:')), Array.from({ length: 10 }, (_, i) => `alice2: a${i + 1}`))
    assert.deepEqual(carol.got.filter(t => t.startsWith('bob2:')), Array.from({ length: 10 }, (_, i) => `bob2: b${i + 1}`))
    assert.equal(carol.got.length, 20, 'all twenty, each once')
  })

  it('a member away when the room is made gets it on the first sync after, with no message sent', async () => {
    const [alice, bob, carol] = [await member('alice5'), await member('bob5'), await member('carol5')]
    await befriend(alice, bob)
    alice.contacts.add(toHex(carol.id)) // carol is a contact, but not connected when the room is made
    carol.contacts.add(toHex(alice.id))
    const made = await alice.rooms.create('late', [bob.id, carol.id])
    const group = made.room.group
    await alice.delivery.act(group, async () => ({ ops: made.ops }))
    await idle(alice, bob, carol)
    assert.equal(carol.rooms.get(group), undefined, 'carol was away')
    // carol comes back: the sync alice runs on the new connection hands her the room
    const connection = await alice.node.dial(carol.node.getMultiaddrs()[0])
    await alice.delivery.sync(connection, carol.id)
    await idle(alice, bob, carol)
    assert.equal(carol.rooms.get(group)?.keyStatus, 'member', 'carol holds the room, in its keys')
    assert.deepEqual(alice.errors.map(e => e.message), [])
    await send(carol, group, 'back')
    await idle(alice, bob, carol)
    assert.deepEqual([alice.got, bob.got].map(g => g.filter(t => t.startsWith('carol5:'))), [['carol5: back'], ['carol5: back']])
  })

  it('a stranger who is not a member cannot bring a room in or speak for one', async () => {
    const [alice, bob, mallory] = [await member('alice3'), await member('bob3'), await member('mallory3')]
    await befriend(alice, bob)
    const made = await alice.rooms.create('ops', [bob.id])
    await alice.delivery.act(made.room.group, async () => ({ ops: made.ops }))
    await idle(alice, bob)
    // mallory makes her own room with bob in it and pushes it: bob does not know her
    const own = await mallory.rooms.create('trap', [])
    const c = await mallory.node.dial(bob.node.getMultiaddrs()[0])
    await assert.rejects(mallory.node.services.group.exchange(c, own.room.group, { ops: own.ops }), (err: any) => err.code === 'NOT_A_MEMBER')
    await assert.rejects(mallory.node.services.group.exchange(c, made.room.group, { ops: [], messages: [] }), (err: any) => err.code === 'NOT_A_MEMBER')
    assert.equal(bob.rooms.list().length, 1, 'bob holds only alice\'s room')
  })

  it('a removed member is told of its removal and nothing after, and what it sends is not taken in', async () => {
    const [alice, bob, carol] = [await member('alice7'), await member('bob7'), await member('carol7')]
    await befriend(alice, bob)
    await befriend(alice, carol)
    const made = await alice.rooms.create('ops', [bob.id, carol.id])
    const group = made.room.group
    await alice.delivery.act(group, async () => ({ ops: made.ops }))
    await idle(alice, bob, carol)
    // carol updates her keys, and nobody hears of it yet
    const update = await carol.rooms.act(group, async room => await room.update())
    await alice.delivery.act(group, async room => ({ ops: await room.remove(carol.id) }))
    await alice.delivery.tell(group, carol.id)
    await idle(alice, bob, carol)
    const listed = (m: Member): boolean => (m.rooms.get(group)?.state().members ?? []).some(x => Buffer.from(x.identity).equals(Buffer.from(carol.id)))
    assert.equal(listed(carol), false, 'carol\'s own view shows her out')
    // later changes do not reach her, even when she asks
    await alice.delivery.act(group, async room => ({ ops: await room.change({ kind: 'rename', name: 'ops after' }) }))
    await idle(alice, bob, carol)
    await carol.delivery.sync(carol.node.getConnections(alice.node.peerId)[0], alice.id)
    await idle(alice, bob, carol)
    assert.equal(alice.rooms.get(group)?.state().name, 'ops after')
    assert.equal(carol.rooms.get(group)?.state().name, 'ops', 'carol never learns the rename')
    // her update, concurrent with her removal, handed over by carol herself is not taken in; the
    // same bytes carried by bob are (a removed member's concurrent key op still counts)
    const id = (await verifyOp(update[0], crypto)).id
    const held = (): boolean => alice.rooms.get(group)?.log.has(id) === true
    await carol.node.services.group.exchange(carol.node.getConnections(alice.node.peerId)[0], group, { ops: update })
    assert.equal(held(), false, 'nothing taken in from a removed member')
    await bob.node.services.group.exchange(bob.node.getConnections(alice.node.peerId)[0], group, { ops: update })
    assert.equal(held(), true, 'the same op from a member is')
  })
})
