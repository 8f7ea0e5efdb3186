/**
 * Security properties of the team-room keys: post-compromise security after one update (DCGKA,
 * Weidner et al. CCS 2021), forward secrecy of used message keys, integrity of every ciphertext and
 * its associated data, replay refusal, and typed refusal of garbage payloads and states.
 */
import assert from 'node:assert/strict'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createGroup, decodeKeyPayload, decodeKeyState, decryptFromMember, encodeKeyPayload, encodeKeyState, encryptToGroup, initGroupKeys, processKeyPayload, updateGroupKeys } from '../../protocol/groups/dcgka.js'
import { DuplicateMessageError, GroupKeyError, MalformedKeyPayloadError, MalformedKeyStateError, StaleEpochError, TooManySkippedError, UndecryptableError, UnknownEpochError } from '../../protocol/groups/key-errors.js'
import { decryptMessage, GRACE_EPOCHS, MAX_SKIP } from '../../protocol/groups/message-ratchet.js'
import type { KeyPair } from '../../protocol/crypto/backend.js'
import type { GroupKeyState, GroupMessage, KeyDirectory, MemberId } from '../../protocol/groups/dcgka.js'

const crypto = defaultCrypto
const te = new TextEncoder()
const td = new TextDecoder()
const GROUP = 'security-room'

interface Member { id: MemberId, keys: KeyPair, state: GroupKeyState }

/** Members with every payload delivered to everyone at once, answers included, and a log of them all. */
class SyncRoom {
  readonly members: Member[] = []
  readonly log: Array<{ sender: MemberId, payload: Uint8Array }> = []
  readonly directory: KeyDirectory = { initialKey: id => (this.members.find(m => m.id === id) as Member).keys.publicKey }

  static async create (n: number): Promise<SyncRoom> {
    const room = new SyncRoom()
    for (let i = 0; i < n; i++) {
      const keys = await crypto.x25519Generate()
      const id = Buffer.from(crypto.randomBytes(32)).toString('hex')
      room.members.push({ id, keys, state: initGroupKeys({ groupId: GROUP, me: id, initialPrivateKey: keys.privateKey }) })
    }
    const first = room.members[0]
    const r = await createGroup(crypto, first.state, room.members.map(m => m.id), room.directory)
    first.state = r.state
    await room.broadcast(first, r.payload)
    return room
  }

  async broadcast (from: Member, payload: Uint8Array): Promise<void> {
    const queue = [{ from, payload }]
    for (let item = queue.shift(); item != null; item = queue.shift()) {
      this.log.push({ sender: item.from.id, payload: item.payload })
      for (const m of this.members) {
        if (m === item.from) continue
        const r = await processKeyPayload(crypto, m.state, item.from.id, item.payload, this.directory)
        m.state = r.state
        if (r.response != null) queue.push({ from: m, payload: r.response })
      }
    }
  }

  async send (m: Member, text: string): Promise<GroupMessage> {
    const r = await encryptToGroup(crypto, m.state, te.encode(text))
    m.state = r.state
    return r.message
  }

  async read (m: Member, sender: Member, message: GroupMessage): Promise<string> {
    const r = await decryptFromMember(crypto, m.state, sender.id, message)
    m.state = r.state
    return td.decode(r.plaintext)
  }
}

/** What the holder of `state` reads of `message`, or undefined when it is refused with a typed error. */
async function attempt (state: GroupKeyState, sender: MemberId, message: GroupMessage): Promise<string | undefined> {
  try {
    return td.decode((await decryptFromMember(crypto, state, sender, message)).plaintext)
  } catch (err) {
    assert.ok(err instanceof GroupKeyError, `typed refusal, got ${String(err)}`)
    return undefined
  }
}

describe('team-room keys: security properties', function () {
  this.timeout(60_000)

  it('post-compromise security: a stolen state reads nothing once its owner has updated and the others acked', async () => {
    const room = await SyncRoom.create(3)
    const [a, b, c] = room.members
    const stolen = decodeKeyState(encodeKeyState(b.state)) // the attacker copies b's whole state
    const before = await room.send(a, 'before the update')
    assert.equal(await attempt(stolen, a.id, before), 'before the update', 'the compromise is real before healing')
    const seen = room.log.length

    const r = await updateGroupKeys(crypto, b.state, room.directory)
    b.state = r.state
    await room.broadcast(b, r.payload)
    const after = [await room.send(a, 'a after'), await room.send(b, 'b after'), await room.send(c, 'c after')]
    assert.equal(await room.read(c, a, after[0]), 'a after')
    assert.equal(await room.read(a, b, after[1]), 'b after')
    assert.equal(await room.read(b, c, after[2]), 'c after')

    // the attacker feeds its copy every control message it can see from here on
    let attacker = stolen
    for (const { sender, payload } of room.log.slice(seen)) {
      if (sender === b.id) continue // "our own" messages cannot be replayed into our state
      try {
        attacker = (await processKeyPayload(crypto, attacker, sender, payload, room.directory)).state
      } catch (err) {
        assert.ok(err instanceof GroupKeyError, String(err))
      }
    }
    const senders = [a, b, c]
    for (const [i, m] of after.entries()) {
      assert.equal(await attempt(stolen, senders[i].id, m), undefined)
      assert.equal(await attempt(attacker, senders[i].id, m), undefined)
    }
  })

  it('forward secrecy: a state taken after a message key was used cannot decrypt that message again', async () => {
    const room = await SyncRoom.create(2)
    const [a, b] = room.members
    const m = [await room.send(a, 'm0'), await room.send(a, 'm1'), await room.send(a, 'm2')]
    assert.equal(await room.read(b, a, m[0]), 'm0')
    assert.equal(await room.read(b, a, m[2]), 'm2') // m1's key is stored as skipped
    assert.equal(await room.read(b, a, m[1]), 'm1') // and deleted on use
    const taken = decodeKeyState(encodeKeyState(b.state))
    for (const x of m) await assert.rejects(decryptFromMember(crypto, taken, a.id, x), DuplicateMessageError)

    // a superseded chain goes GRACE_EPOCHS epochs later, with the keys it still held
    const late = await room.send(a, 'never delivered')
    for (let i = 0; i <= GRACE_EPOCHS; i++) {
      const r = await updateGroupKeys(crypto, a.state, room.directory)
      a.state = r.state
      await room.broadcast(a, r.payload)
    }
    await assert.rejects(decryptFromMember(crypto, b.state, a.id, late), StaleEpochError)
  })

  it('a replayed message (same sender, epoch and n) is refused with DuplicateMessageError', async () => {
    const room = await SyncRoom.create(2)
    const [a, b] = room.members
    const m = await room.send(a, 'once')
    assert.equal(await room.read(b, a, m), 'once')
    await assert.rejects(room.read(b, a, m), DuplicateMessageError)
  })

  it('tampering with any byte, the epoch, n, the sender or the group id is refused', async () => {
    const room = await SyncRoom.create(3)
    const [a, b, c] = room.members
    const m = await room.send(a, 'integrity')
    for (let i = 0; i < m.ciphertext.byteLength; i++) {
      const bad = m.ciphertext.slice()
      bad[i] ^= 0x01
      await assert.rejects(decryptFromMember(crypto, b.state, a.id, { ...m, ciphertext: bad }), UndecryptableError)
    }
    await assert.rejects(decryptFromMember(crypto, b.state, a.id, { ...m, n: m.n + 1 }), UndecryptableError)
    await assert.rejects(decryptFromMember(crypto, b.state, a.id, { ...m, epochRef: m.epochRef + 1 }), UnknownEpochError)
    await assert.rejects(decryptFromMember(crypto, b.state, c.id, m), GroupKeyError)
    await assert.rejects(decryptMessage(crypto, b.state.messages, 'another-room', a.id, m), UndecryptableError)
    await assert.rejects(decryptFromMember(crypto, b.state, a.id, m, te.encode('other ad')), UndecryptableError)
    await assert.rejects(decryptFromMember(crypto, b.state, a.id, { ...m, n: m.n + MAX_SKIP + 1 }), TooManySkippedError)
    assert.equal(await room.read(b, a, m), 'integrity', 'refusals left the state as it was')
  })

  it('garbage, truncated or bent key payloads and states are refused with typed errors', async () => {
    const room = await SyncRoom.create(3)
    const [a, b] = room.members
    const r = await updateGroupKeys(crypto, a.state, room.directory)
    const good = r.payload
    const cases: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(2), Uint8Array.of(1, 9), good.subarray(0, good.byteLength - 1), Uint8Array.of(...good, 0)]
    const huge = Uint8Array.of(1, 2, 1, 0xff, 0xff, 0xff, 0xff, 0x0f) // a recipient count of 2^32 - 1 in 8 bytes
    cases.push(huge)
    for (let i = 0; i < 200; i++) cases.push(crypto.randomBytes(1 + (i % 97)))
    for (const bytes of cases) {
      assert.throws(() => decodeKeyPayload(bytes), MalformedKeyPayloadError)
      await assert.rejects(processKeyPayload(crypto, b.state, a.id, bytes, room.directory), MalformedKeyPayloadError)
    }
    // unsorted recipients
    const decoded = decodeKeyPayload(good)
    const unsorted = encodeKeyPayload(decoded)
    unsorted.set(decoded.control.recipients[1] != null ? Buffer.from(decoded.control.recipients[1], 'hex') : new Uint8Array(32), 4)
    assert.throws(() => decodeKeyPayload(unsorted), MalformedKeyPayloadError)
    // a direct for b with one bit flipped: the 2SM refuses it, the state stays usable
    const direct = (decoded.directs.get(b.id) as Uint8Array).slice()
    direct[direct.byteLength - 1] ^= 0x80
    const bent = encodeKeyPayload({ control: decoded.control, directs: new Map(decoded.directs).set(b.id, direct) })
    await assert.rejects(processKeyPayload(crypto, b.state, a.id, bent, room.directory), UndecryptableError)
    a.state = r.state
    await room.broadcast(a, good)

    // states: round trip, then garbage
    const bytes = encodeKeyState(b.state)
    assert.deepEqual(encodeKeyState(decodeKeyState(bytes)), bytes)
    for (const bad of [new Uint8Array(0), bytes.subarray(0, 40), Uint8Array.of(...bytes, 1), crypto.randomBytes(300)]) {
      assert.throws(() => decodeKeyState(bad), MalformedKeyStateError)
    }
  })
})
