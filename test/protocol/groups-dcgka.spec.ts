/**
 * The team-room key agreement (DCGKA, Weidner et al. CCS 2021) end to end: members create, update,
 * add and remove over an in-test causal broadcast, and everyone decrypts everyone's application
 * messages while a removed member (kept curious: it never applies its own removal and keeps
 * processing every control message it sees) decrypts nothing sent after its removal.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { addMember, createGroup, decodeKeyPayload, decryptFromMember, encryptToGroup, initGroupKeys, processKeyPayload, removeMember, updateGroupKeys } from '../../protocol/groups/dcgka.js'
import { GroupKeyError } from '../../protocol/groups/key-errors.js'
import type { KeyPair } from '../../protocol/crypto/backend.js'
import type { GroupKeyState, GroupMessage, KeyDirectory, MemberId, Standing } from '../../protocol/groups/dcgka.js'

const crypto = defaultCrypto
const te = new TextEncoder()
const td = new TextDecoder()
const GROUP = 'team-room-1'

interface Party { id: MemberId, keys: KeyPair, state: GroupKeyState, seen: Set<number> | undefined, ghost: boolean, removedSeen: Set<MemberId> }
interface App { message: GroupMessage, text: string, view: MemberId[], removedSeen: Set<MemberId> }
interface Msg { id: number, sender: MemberId, deps: Set<number>, key?: Uint8Array, app?: App, addOf?: MemberId }

/** A causal broadcast: a message reaches a member once it has everything the sender had seen. */
class Room {
  readonly parties = new Map<MemberId, Party>()
  readonly msgs: Msg[] = []
  readonly directory: KeyDirectory = { initialKey: id => (this.parties.get(id) as Party).keys.publicKey }
  decrypted = 0
  ghostRefusals = 0
  private counter = 0

  async party (initial: boolean): Promise<Party> {
    const keys = await crypto.x25519Generate()
    const id = Buffer.from(crypto.randomBytes(32)).toString('hex')
    const p: Party = { id, keys, state: initGroupKeys({ groupId: GROUP, me: id, initialPrivateKey: keys.privateKey }), seen: initial ? new Set() : undefined, ghost: false, removedSeen: new Set() }
    this.parties.set(id, p)
    return p
  }

  /** members that act: in the group, not curious leftovers */
  get active (): Party[] {
    return [...this.parties.values()].filter(p => p.state.status === 'member' && !p.ghost).sort((a, b) => a.id < b.id ? -1 : 1)
  }

  post (p: Party, m: Omit<Msg, 'id' | 'sender' | 'deps'>): Msg {
    const msg = { ...m, id: this.counter++, sender: p.id, deps: new Set(p.seen) }
    p.seen?.add(msg.id)
    this.msgs.push(msg)
    return msg
  }

  postKey (p: Party, payload: Uint8Array): void {
    const c = decodeKeyPayload(payload).control
    if (c.kind === 'remove') p.removedSeen.add(c.subject as MemberId)
    this.post(p, { key: payload, ...(c.kind === 'add' && { addOf: c.subject }) })
  }

  async send (p: Party, text: string): Promise<void> {
    const r = await encryptToGroup(crypto, p.state, te.encode(text))
    p.state = r.state
    this.post(p, { app: { message: r.message, text, view: [...p.state.members], removedSeen: new Set(p.removedSeen) } })
  }

  deliverable (p: Party): Msg[] {
    const seen = p.seen
    if (seen == null) return this.msgs.filter(m => m.addOf === p.id)
    return this.msgs.filter(m => m.sender !== p.id && !seen.has(m.id) && [...m.deps].every(d => seen.has(d)))
  }

  async deliver (p: Party, m: Msg): Promise<void> {
    p.seen ??= new Set(m.deps)
    p.seen.add(m.id)
    if (m.key != null) await this.control(p, m)
    else if (m.app != null) await this.app(p, m.sender, m.app)
  }

  private async control (p: Party, m: Msg): Promise<void> {
    const key = m.key as Uint8Array
    if (p.ghost) {
      try {
        p.state = (await processKeyPayload(crypto, p.state, m.sender, key, this.directory)).state
      } catch (err) {
        assert.ok(err instanceof GroupKeyError, String(err))
      }
      return
    }
    if (p.state.status === 'removed') return
    const c = decodeKeyPayload(key).control
    const r = await processKeyPayload(crypto, p.state, m.sender, key, this.directory)
    if (c.kind === 'remove' && c.subject === p.id) {
      assert.equal(r.state.status, 'removed')
      assert.equal(r.state.ratchet.size + r.state.twoParty.size + r.state.memberSecrets.size, 0, 'a removed member keeps no secrets')
      p.ghost = true // the curious copy keeps the state it had and never applies its removal
      return
    }
    p.state = r.state
    if (c.kind === 'remove') p.removedSeen.add(c.subject as MemberId)
    if (r.response != null) this.postKey(p, r.response)
  }

  private async app (p: Party, sender: MemberId, a: App): Promise<void> {
    let text: string | undefined
    try {
      const r = await decryptFromMember(crypto, p.state, sender, a.message)
      text = td.decode(r.plaintext)
      if (!p.ghost) p.state = r.state
    } catch (err) {
      assert.ok(err instanceof GroupKeyError, `typed refusal, got ${String(err)}`)
    }
    if (p.ghost && (a.removedSeen.has(p.id) || !a.view.includes(p.id))) {
      assert.equal(text, undefined, `removed member read "${a.text}", sent by a member that had processed its removal`)
      this.ghostRefusals++
    } else if (!p.ghost && p.state.status === 'member' && a.view.includes(p.id)) {
      assert.equal(text, a.text, `member could not read "${a.text}"`)
      this.decrypted++
    }
  }

  /** deliver until nothing is deliverable, members in turn, each taking its oldest deliverable message */
  async flush (): Promise<void> {
    for (let progress = true; progress;) {
      progress = false
      for (const p of this.parties.values()) {
        const m = this.deliverable(p)[0]
        if (m != null) {
          await this.deliver(p, m)
          progress = true
        }
      }
    }
  }

  async create (n: number): Promise<Party[]> {
    const ps = []
    for (let i = 0; i < n; i++) ps.push(await this.party(true))
    const r = await createGroup(crypto, ps[0].state, ps.map(p => p.id), this.directory)
    ps[0].state = r.state
    this.postKey(ps[0], r.payload)
    await this.flush()
    return ps
  }

  async add (by: Party): Promise<Party> {
    const p = await this.party(false)
    const r = await addMember(crypto, by.state, p.id, this.directory)
    by.state = r.state
    this.postKey(by, r.payload)
    return p
  }

  async remove (by: Party, who: MemberId): Promise<void> {
    const r = await removeMember(crypto, by.state, who, this.directory)
    by.state = r.state
    this.postKey(by, r.payload)
  }

  async update (by: Party): Promise<void> {
    const r = await updateGroupKeys(crypto, by.state, this.directory)
    by.state = r.state
    this.postKey(by, r.payload)
  }

  /** every active member sends, all is delivered, and every active member read every other's message */
  async everyoneReadsEveryone (tag: string): Promise<void> {
    const before = this.decrypted
    const active = this.active
    for (const p of active) await this.send(p, `${tag} from ${p.id.slice(0, 6)}`)
    await this.flush()
    assert.equal(this.decrypted - before, active.length * (active.length - 1))
  }

  /** after quiescence every active member holds the same view and the same copy of every member's ratchet */
  converged (): void {
    const [first, ...rest] = this.active
    for (const p of rest) {
      assert.deepEqual(p.state.members, first.state.members)
      for (const m of first.state.members) assert.deepEqual(p.state.ratchet.get(m), first.state.ratchet.get(m), 'ratchet copies diverged')
    }
  }
}

describe('team-room key agreement (DCGKA)', function () {
  this.timeout(120_000)

  it('create with 3 members: everyone sends and everyone decrypts', async () => {
    const room = new Room()
    const [a, b, c] = await room.create(3)
    for (const p of [a, b, c]) assert.deepEqual(p.state.members, [a.id, b.id, c.id].sort())
    room.converged()
    await room.everyoneReadsEveryone('hello')
  })

  it('an update: everyone still decrypts, under new epochs', async () => {
    const room = new Room()
    const [, b] = await room.create(3)
    const epochBefore = b.state.messages.sending?.epoch
    await room.update(b)
    await room.flush()
    assert.notEqual(b.state.messages.sending?.epoch, epochBefore)
    room.converged()
    await room.everyoneReadsEveryone('after update')
  })

  it('concurrent updates by two members converge once all acks are in', async () => {
    const room = new Room()
    const [a, b, c] = await room.create(3)
    await room.update(a)
    await room.update(b) // b has not seen a's update: concurrent
    await room.send(a, 'a in its new epoch')
    await room.send(b, 'b in its new epoch')
    // c sees b's update first, then a's
    for (const m of room.deliverable(c).reverse()) await room.deliver(c, m)
    await room.flush()
    room.converged()
    await room.everyoneReadsEveryone('after concurrent updates')
  })

  it('an added member reads what is sent after its add and nothing from before', async () => {
    const room = new Room()
    const [a, b] = await room.create(3)
    const early: Msg[] = []
    await room.send(b, 'before d')
    early.push(room.msgs.at(-1) as Msg)
    await room.flush()
    const d = await room.add(a)
    await room.flush()
    assert.equal(d.state.status, 'member')
    assert.equal(d.state.members.length, 4)
    for (const m of early) {
      await assert.rejects(decryptFromMember(crypto, d.state, m.sender, (m.app as App).message), GroupKeyError)
    }
    room.converged()
    await room.everyoneReadsEveryone('with d')
  })

  it('a removed member decrypts nothing sent after the removal, even processing every control message', async () => {
    const room = new Room()
    const [a, b, c, d] = await room.create(4)
    await room.remove(a, c.id)
    await room.flush()
    assert.equal(c.ghost, true)
    await room.everyoneReadsEveryone('without c')
    await room.update(b)
    const e = await room.add(d)
    await room.flush()
    assert.equal(e.state.status, 'member')
    await room.everyoneReadsEveryone('still without c')
    assert.equal(room.ghostRefusals, 3 + 4, `the removed member tried every later message (${room.ghostRefusals})`)
    room.converged()
  })

  it('a remove concurrent with an add and an update: removal holds for every member that processed it', async () => {
    const room = new Room()
    const [a, b, c] = await room.create(4)
    await room.remove(a, c.id) // concurrent with b's add and c's own update
    const e = await room.add(b)
    await room.update(c)
    await room.send(a, 'a right after removing c')
    await room.flush()
    assert.equal(e.state.status, 'member')
    room.converged()
    await room.everyoneReadsEveryone('settled')
  })

  it('a remove takes out only whom the caller\'s log does not list: a listed member is kept, and a removal of us pauses or wipes as the log says', async () => {
    const room = new Room()
    const [a, b, c] = await room.create(3)
    await room.flush()
    const removal = await removeMember(crypto, a.state, c.id, room.directory)
    const as = (standing: Standing) => () => standing
    const kept = await processKeyPayload(crypto, b.state, a.id, removal.payload, room.directory, as('listed'))
    assert.deepEqual(kept.state.members, [a.id, b.id, c.id].sort(), 'bob\'s log lists carol: she stays in his keys')
    assert.ok(kept.response != null && decodeKeyPayload(kept.response).directs.has(c.id), 'his ack forwards his member secret to her')
    const dropped = await processKeyPayload(crypto, b.state, a.id, removal.payload, room.directory, as('open'))
    assert.deepEqual(dropped.state.members, [a.id, b.id].sort())
    const listed = await processKeyPayload(crypto, c.state, a.id, removal.payload, room.directory, as('listed'))
    assert.equal(listed.state.status, 'member', 'carol\'s log lists her: nothing changes')
    const paused = await processKeyPayload(crypto, c.state, a.id, removal.payload, room.directory, as('open'))
    assert.equal(paused.state.status, 'paused')
    assert.deepEqual(paused.state.ratchet, c.state.ratchet, 'paused, carol keeps her keys')
    assert.equal(paused.response, undefined)
    await assert.rejects(encryptToGroup(crypto, paused.state, te.encode('x')), { name: 'NotAMemberError' })
    await assert.rejects(updateGroupKeys(crypto, paused.state, room.directory), { name: 'NotAMemberError' })
    const wiped = await processKeyPayload(crypto, c.state, a.id, removal.payload, room.directory)
    assert.equal(wiped.state.status, 'removed', 'without a log, a removal of us ends our membership')
    assert.equal(wiped.state.ratchet.size, 0)
  })

  it('fuzz: random interleavings of update / remove / add / send with reordering between senders', async function () {
    this.timeout(180_000)
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
    console.log(`      DCGKA fuzz seed ${seed} (rerun with FUZZ_SEED=${seed})`)
    const command = fc.oneof(
      fc.record({ op: fc.constant('update' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant('remove' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant('add' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant('send' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant('deliver' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant('deliver' as const), a: fc.nat(), b: fc.nat() })
    )
    const deadline = Date.now() + 60_000
    let runs = 0
    let decrypted = 0
    let refused = 0
    await fc.assert(fc.asyncProperty(fc.integer({ min: 4, max: 6 }), fc.array(command, { minLength: 4, maxLength: 14 }), async (n, commands) => {
      if (Date.now() > deadline) return // time bound: the remaining runs pass vacuously
      runs++
      const room = new Room()
      await room.create(n)
      for (const { op, a, b } of commands) {
        const active = room.active
        const actor = active[a % active.length]
        if (op === 'update') await room.update(actor)
        if (op === 'send') await room.send(actor, `m${room.msgs.length}`)
        if (op === 'add' && room.parties.size < 8) await room.add(actor)
        if (op === 'remove' && actor.state.members.length > 2) {
          const others = actor.state.members.filter(m => m !== actor.id)
          await room.remove(actor, others[b % others.length])
        }
        if (op === 'deliver') {
          const ready = [...room.parties.values()].filter(p => room.deliverable(p).length > 0)
          if (ready.length === 0) continue
          const p = ready[a % ready.length]
          const msgs = room.deliverable(p)
          await room.deliver(p, msgs[b % msgs.length])
        }
      }
      await room.flush()
      if (room.active.length > 1) {
        room.converged()
        await room.everyoneReadsEveryone('final')
      }
      decrypted += room.decrypted
      refused += room.ghostRefusals
    }), { seed, numRuns: 200 })
    console.log(`      ${runs} runs within the time bound; ${decrypted} member decryptions, ${refused} refusals to removed members`)
    assert.ok(runs >= 20, 'too few runs completed to mean anything')
  })
})
