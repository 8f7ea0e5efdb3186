/**
 * `ferry sim` team rooms: the plan's rules for rooms (random seeds, printed; FERRY_SIM_SEED
 * replays), the scenario checks, the ledger's per-recipient rows and the checker's room faults on
 * synthetic observations, and two in-process runs of production nodes: a runner ferrying a room
 * between two cut-off halves of a field unit, and a member removed and added back.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { check, Ledger } from '../../node/sim/ledger.js'
import { plan } from '../../node/sim/plan.js'
import { renderReport } from '../../node/sim/report.js'
import { results } from '../../node/sim/results.js'
import { membersAt } from '../../node/sim/rooms.js'
import { loadScenario, ScenarioError, validateScenario } from '../../node/sim/scenario.js'
import { simulate, UnsupportedModeError } from '../../node/sim/simulate.js'
import type { Observation, Plan, PlannedRoomMessage, Scenario } from '../../node/sim/types.js'

const SCENARIOS = join(import.meta.dirname, '../../../sim/scenarios')
const SEED = Number(process.env.FERRY_SIM_SEED ?? Math.floor(Math.random() * 2 ** 32))
const seedOf = (i: number): number => (SEED + Math.imul(i, 0x9e3779b9)) >>> 0

/** Ten nodes a–j in two teams, a room of the first seven with 2 admins, 2 removals and readds. */
function withRooms (over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'rooms',
    mode: 'inprocess',
    durationMs: 100_000,
    groups: [{ name: 'n', count: 10 }],
    contacts: { kind: 'teams', size: 5 },
    traffic: { rate: 1, sizes: [100], quietMs: 10_000 },
    rooms: [{ name: 'crew', members: ['n-0', 'n-1', 'n-2', 'n-3', 'n-4', 'n-5', 'n-6'], admins: 2, rate: 2, removals: 2, readdAfterMs: 15_000 }],
    ...over
  }
}

/** The scenario's problems, one line each (ScenarioError lists them). */
function problemsOf (value: Record<string, unknown>): string {
  try {
    validateScenario(value, 'rooms')
  } catch (err) {
    if (err instanceof ScenarioError) return err.message
    throw err
  }
  return ''
}

/** Every rule a room plan keeps (rooms.ts, file header), for `s` planned with `seed`. */
function checkRooms (s: Scenario, p: Plan, seed: number): void {
  const where = `(seed ${seed}, scenario ${s.name})`
  const pairs = new Set(p.contacts.map(([a, b]) => `${a} ${b}`))
  const knows = (a: string, b: string): boolean => pairs.has(`${a} ${b}`) || pairs.has(`${b} ${a}`)
  const end = s.durationMs - (s.traffic.quietMs ?? 0)
  for (const room of p.rooms ?? []) {
    for (const m of room.members.slice(1)) assert.ok(knows(room.members[0], m), `creator of ${room.name} knows ${m} ${where}`)
    assert.deepEqual(room.admins, room.members.slice(0, room.admins.length), where)
    const changes = (p.roomChanges ?? []).filter(c => c.room === room.name)
    const spec = s.rooms?.find(r => room.name === r.name || room.name.startsWith(`${r.name}-`))
    assert.equal(changes.filter(c => c.kind === 'room-remove').length, Math.min(spec?.removals ?? 0, room.members.length - room.admins.length), `removals in ${room.name} ${where}`)
    for (const c of changes) {
      assert.ok(room.members.includes(c.node) && !room.admins.includes(c.node), `${c.kind} of ${c.node} in ${room.name}: a member, not an admin ${where}`)
      if (c.kind === 'room-remove') {
        assert.ok(c.at >= 0.1 * s.durationMs && c.at < 0.7 * s.durationMs, `removal at ${c.at} ${where}`)
        const back = changes.find(d => d.kind === 'room-add' && d.node === c.node)
        const due = c.at + (spec?.readdAfterMs ?? Infinity)
        if (due < 0.9 * s.durationMs) assert.equal(back?.at, due, `readd of ${c.node} ${where}`)
        else assert.equal(back, undefined, `no readd past 90 % of the run ${where}`)
      }
    }
    const messages = (p.roomMessages ?? []).filter(m => m.room === room.name)
    for (const m of messages) {
      const present = membersAt(room.members, changes, m.at)
      assert.ok(present.includes(m.from), `${m.key}: ${m.from} is in ${room.name} at ${m.at} ${where}`)
      assert.deepEqual(m.plannedTo, present.filter(n => n !== m.from), `${m.key} planned recipients ${where}`)
      assert.ok(m.at < end, `${m.key} at ${m.at} is in the quiet tail ${where}`)
    }
  }
  const keys = (p.roomMessages ?? []).map(m => m.key)
  assert.deepEqual(keys, keys.map((_, i) => `r${i + 1}`), `room keys r1.. ${where}`)
  for (let i = 1; i < (p.roomMessages ?? []).length; i++) assert.ok(p.roomMessages![i - 1].at <= p.roomMessages![i].at, `room messages in time order ${where}`)
}

describe('ferry sim team rooms: plans', () => {
  it(`keeps every room rule on random seeds, the same plan for the same seed, and the direct traffic of the scenario without rooms (seed ${SEED})`, async () => {
    const teams = await loadScenario(join(SCENARIOS, 'team-groups.json'))
    const field = await loadScenario(join(SCENARIOS, 'field-units-ferrying.json'))
    const small = validateScenario(withRooms(), 'rooms')
    for (const s of [teams, field, small]) {
      for (let i = 0; i < 5; i++) {
        const seed = seedOf(i)
        const p = plan(s, seed)
        checkRooms(s, p, seed)
        assert.deepEqual(plan(s, seed), p, `same seed, same plan (seed ${seed})`)
        const { rooms, ...bare } = s
        const without = plan(bare, seed)
        assert.deepEqual(p.messages, without.messages, `rooms leave the direct messages alone (seed ${seed})`)
        assert.deepEqual(p.events, without.events, `rooms leave the timeline alone (seed ${seed})`)
        assert.deepEqual(p.contacts.slice(0, without.contacts.length), without.contacts, `rooms only add contacts (seed ${seed})`)
      }
    }
    assert.equal(plan(teams, 1).rooms?.length, 5)
    assert.ok((plan(teams, 1).roomChanges ?? []).some(c => c.kind === 'room-add'), 'team-groups adds a removed member back')
    assert.notDeepEqual(plan(small, seedOf(0)).roomMessages, plan(small, seedOf(1)).roomMessages, 'another seed, other room traffic')
  })

  it('plans each room from its own random stream: adding a room changes nothing in another', () => {
    const one = validateScenario(withRooms(), 'rooms')
    const two = validateScenario(withRooms({ rooms: [...(one.rooms ?? []), { name: 'other', members: ['n'], size: 5, rate: 1, removals: 1 }] }), 'rooms')
    const crew = (p: Plan): unknown => [(p.roomChanges ?? []).filter(c => c.room === 'crew'), (p.roomMessages ?? []).filter(m => m.room === 'crew').map(({ key, ...m }) => m)]
    const p2 = plan(two, SEED)
    assert.deepEqual(crew(p2), crew(plan(one, SEED)))
    assert.deepEqual(p2.rooms?.map(r => [r.name, r.members.length]), [['crew', 7], ['other-0', 5], ['other-1', 5]], '`size` cuts a group into rooms')
  })

  it('refuses rooms that cannot be planned, naming the field', () => {
    const crew = (over: Record<string, unknown>): Record<string, unknown> => withRooms({ rooms: [{ name: 'crew', members: ['n-0', 'n-1', 'n-2'], rate: 1, ...over }] })
    assert.match(problemsOf(crew({ members: ['n-0', 'ghost'] })), /rooms\[0\]\.members\[1\].*no node or group named "ghost"/)
    assert.match(problemsOf(crew({ members: ['n-0'] })), /rooms\[0\]\.members.*at least 2/)
    assert.match(problemsOf(crew({ admins: 2, removals: 2 })), /rooms\[0\]\.removals.*1 members who are not admins; cannot remove 2/)
    assert.match(problemsOf(crew({ readdAfterMs: 100_000 })), /rooms\[0\]\.readdAfterMs.*less than durationMs/)
    assert.match(problemsOf(withRooms({ rooms: [{ name: 'a', members: ['n-0', 'n-1'], rate: 1 }, { name: 'a', members: ['n-2', 'n-3'], rate: 1 }] })), /two rooms would be named "a"/)
    assert.equal(problemsOf(withRooms({ mode: 'processes' })), '', 'the daemon modes have room controls')
    assert.match(problemsOf(crew({ rate: -1 })), /rooms\[0\]\.rate/)
    assert.equal(problemsOf(withRooms()), '')
  })

  it('refuses a room run against remote agents (no room controls) before reaching any', async () => {
    const s = validateScenario(withRooms(), 'rooms')
    const endpoints = Object.fromEntries(plan(s).nodes.map(n => [n.name, 'http://127.0.0.1:9']))
    await assert.rejects(simulate(s, { remote: { endpoints, token: 't', waitMs: 1 } }), UnsupportedModeError)
  })
})

describe('ferry sim team rooms: ledger and checker', () => {
  const ENDED = 10_000
  /** r1 from a to b, c, d; r2 from b to a, c (d removed at 200, added back at 600); r3 from a, never sent; r4 from d before its removal. */
  const PLANNED: PlannedRoomMessage[] = [
    { key: 'r1', at: 0, from: 'a', room: 'crew', plannedTo: ['b', 'c', 'd'], size: 64, ttlMs: 60_000 },
    { key: 'r2', at: 300, from: 'b', room: 'crew', plannedTo: ['a', 'c'], size: 64, ttlMs: 60_000 },
    { key: 'r3', at: 400, from: 'a', room: 'crew', plannedTo: ['b', 'c'], size: 64, ttlMs: 60_000 },
    { key: 'r4', at: 150, from: 'd', room: 'crew', plannedTo: ['a', 'b'], size: 64, ttlMs: 60_000 }
  ]
  const CLEAN: Observation[] = [
    { kind: 'room-sent', key: 'r1', at: 10, id: 'i1', expiresAt: 60_010, recipients: ['b', 'c', 'd'] },
    { kind: 'received', key: 'r1', at: 40, node: 'b' },
    { kind: 'delivered', key: 'r1', at: 50, via: 'direct', to: 'b' },
    { kind: 'stored', key: 'r1', at: 30, mailboxes: 1, to: 'c' },
    { kind: 'received', key: 'r1', at: 900, node: 'c' },
    { kind: 'delivered', key: 'r1', at: 950, via: 'mailbox', to: 'c' },
    { kind: 'read', key: 'r1', at: 990, to: 'c' },
    // d: sealed for, never reached, then removed: 'removed', not lost
    { kind: 'stored', key: 'r1', at: 30, mailboxes: 1, to: 'd' },
    // r2: sent while d was out, sealed for a and c
    { kind: 'room-sent', key: 'r2', at: 310, id: 'i2', expiresAt: 60_310, recipients: ['a', 'c'] },
    { kind: 'received', key: 'r2', at: 320, node: 'a' },
    { kind: 'received', key: 'r2', at: 330, node: 'c' },
    { kind: 'send-failed', key: 'r3', at: 400, error: 'a is offline' },
    // r4: d wrote it just before a removed d; b opened it, a (holding the removal) refused it
    { kind: 'room-sent', key: 'r4', at: 150, id: 'i4', expiresAt: 60_150, recipients: ['a', 'b'] },
    { kind: 'delivered', key: 'r4', at: 260, via: 'direct', to: 'a' },
    { kind: 'received', key: 'r4', at: 170, node: 'b' }
  ]

  function ledgerWith (extra: Observation[], removeD = true): Ledger {
    const ledger = new Ledger([], { roomMessages: PLANNED })
    if (removeD) {
      ledger.changed({ change: 'remove', room: 'crew', node: 'd', at: 200 })
      ledger.changed({ change: 'add', room: 'crew', node: 'd', at: 600 })
    }
    for (const o of [...CLEAN, ...extra]) ledger.observe(o)
    return ledger
  }

  it('makes a row per recipient the sender sealed for, each judged on its own', () => {
    const ledger = ledgerWith([])
    const rows = ledger.entries({ endedAt: ENDED }).map(e => [e.key, e.to, e.outcome, e.via ?? '', e.readAt ?? ''])
    assert.deepEqual(rows, [
      ['r1', 'b', 'delivered', 'direct', ''], ['r1', 'c', 'delivered', 'mailbox', 990], ['r1', 'd', 'removed', '', ''],
      ['r2', 'a', 'delivered', '', ''], ['r2', 'c', 'delivered', '', ''],
      ['r3', 'b', 'not-sent', '', ''], ['r3', 'c', 'not-sent', '', ''],
      ['r4', 'a', 'removed', 'direct', ''], ['r4', 'b', 'delivered', '', '']
    ])
    const verdict = check(ledger, { endedAt: ENDED })
    assert.equal(verdict.ok, true, verdict.failures.join('; '))
    const r = results(ledger, { endedAt: ENDED, scenario: 'rooms', seed: 1, config: {}, versions: { ferry: '0', node: '0', libp2p: '0' }, wallMs: ENDED, rooms: 1 })
    assert.equal(r.rooms?.sent, 7)
    assert.equal(r.rooms?.delivered, 5)
    assert.equal(r.rooms?.removed, 2)
    assert.equal(r.rooms?.deliveryRatio, 1, 'delivered / (sent - removed)')
    assert.equal(r.rooms?.notSent, 2)
    const html = renderReport(r, ledger.entries({ endedAt: ENDED }))
    assert.match(html, /<h2>Team rooms[^<]*<\/h2><table class="rooms">.*<td>1<\/td><td>3<\/td><td>7<\/td><td>5<\/td><td>1\.000<\/td>/s, 'the report has the rooms table')
    assert.equal(html.match(/<td>r3<\/td>/g)?.length, 1, 'a room message not sent is listed once, not once per member')
  })

  it('calls an acknowledged copy that never arrived lost when its sender and recipient stayed in the room', () => {
    const verdict = check(ledgerWith([], false), { endedAt: ENDED })
    assert.equal(verdict.ok, false)
    assert.equal(verdict.lost, 2)
    assert.match(verdict.failures.join('\n'), /r1 \(a -> crew: d\): lost/)
    assert.match(verdict.failures.join('\n'), /r4 \(d -> crew: a\): lost/)
    // d removed and back before r1 was sent: r1 to d is lost again
    const early = new Ledger([], { roomMessages: PLANNED })
    early.changed({ change: 'remove', room: 'crew', node: 'd', at: 1 })
    early.changed({ change: 'add', room: 'crew', node: 'd', at: 5 })
    for (const o of CLEAN) early.observe(o)
    assert.equal(early.entries({ endedAt: ENDED }).find(e => e.key === 'r1' && e.to === 'd')?.outcome, 'lost')
  })

  it('catches a copy opened twice, a copy opened by a removed member, and one opened by a stranger', () => {
    const dup = check(ledgerWith([{ kind: 'received', key: 'r1', at: 60, node: 'b' }]), { endedAt: ENDED })
    assert.deepEqual([dup.ok, dup.duplicated], [false, 1])
    const afterRemoval = check(ledgerWith([{ kind: 'received', key: 'r2', at: 700, node: 'd' }]), { endedAt: ENDED })
    assert.deepEqual([afterRemoval.ok, afterRemoval.deliveredAfterRemoval, afterRemoval.unaddressed], [false, 1, 0])
    assert.match(afterRemoval.failures.join('\n'), /r2 \(room crew\): delivered after removal: opened by d/)
    const stranger = check(ledgerWith([{ kind: 'received', key: 'r2', at: 700, node: 'e' }]), { endedAt: ENDED })
    assert.deepEqual([stranger.ok, stranger.deliveredAfterRemoval, stranger.unaddressed], [false, 0, 1])
    const late = check(ledgerWith([{ kind: 'received', key: 'r1', at: 70_000, node: 'd' }]), { endedAt: 80_000 })
    assert.deepEqual([late.ok, late.deliveredAfterExpiry], [false, 1])
  })

  it('refuses observations that do not fit a room message', () => {
    const ledger = new Ledger([], { roomMessages: PLANNED })
    assert.throws(() => { ledger.observe({ kind: 'sent', key: 'r1', at: 1, id: 'x', expiresAt: 2 }) }, /room-sent/)
    assert.throws(() => { ledger.observe({ kind: 'delivered', key: 'r1', at: 1, via: 'direct' }) }, /names no recipient/)
    assert.throws(() => new Ledger([{ key: 'r1', at: 0, from: 'a', to: 'b', size: 1, ttlMs: 1, disappearing: false }], { roomMessages: PLANNED }), /duplicate message key "r1"/)
  })
})

describe('ferry sim team rooms: production nodes in one process', function () {
  this.timeout(300_000)

  it('a runner ferries the room between two halves that never meet, and the receipts back', async () => {
    // west and east are never connected; the runner is with west from 0 s, with east from 25 s,
    // with west again from 50 s; everyone meets at 75 s
    const s = validateScenario({
      name: 'ferry-small',
      mode: 'inprocess',
      durationMs: 100_000,
      seed: 3,
      groups: [{ name: 'west', count: 2, roles: ['always-on'] }, { name: 'runner', count: 1, roles: ['always-on'] }, { name: 'east', count: 2, roles: ['always-on'] }],
      contacts: { kind: 'teams', size: 5 },
      traffic: { rate: 0, sizes: [64, 256], ttlMs: 3_600_000, quietMs: 45_000 },
      rooms: [{ name: 'squad', members: ['west', 'runner', 'east'], rate: 0.3 }],
      events: [
        { at: 0, kind: 'partition', nodes: ['east'] },
        { at: 25_000, kind: 'partition', nodes: ['west'] },
        { at: 50_000, kind: 'partition', nodes: ['east'] },
        { at: 75_000, kind: 'heal' }
      ]
    }, 'ferry-small')
    const run = await simulate(s)
    const r = run.results
    assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
    assert.equal(r.rooms?.lost, 0)
    assert.equal(r.rooms?.duplicated, 0)
    assert.equal(r.rooms?.delivered, r.rooms?.sent, 'every copy arrived by the end')
    const rows = run.ledger.entries({ endedAt: r.wallMs }).filter(e => e.room === 'squad')
    const crossed = rows.filter(e => e.from.startsWith('west') && e.to.startsWith('east') && (e.sentAt ?? Infinity) < 25_000)
    assert.ok(crossed.length >= 4, `some west messages before the runner left (${crossed.length} rows)`)
    for (const e of crossed) {
      const at = e.receivedAt[0]
      assert.ok(at >= 25_000 && at < 50_000, `${e.key} ${e.from} -> ${e.to} sent at ${e.sentAt}: opened at ${at}, while only the runner could have brought it`)
      assert.ok(e.deliveredAt != null && e.deliveredAt >= 50_000 && e.deliveredAt < 75_000, `${e.key} ${e.to}'s receipt reached ${e.from} at ${e.deliveredAt}: brought back by the runner`)
    }
  })

  it('a removed member opens nothing sent while it was out, and everything after it is added back', async () => {
    await removeAndReadd('inprocess')
  })
})

describe('ferry sim team rooms: ferry start daemons (processes mode)', function () {
  this.timeout(300_000)

  it('the same through each daemon\'s control API', async () => {
    await removeAndReadd('processes')
  })
})

/** Five nodes in a room, one removed and added back 12 s later; the checks hold in `mode`. */
async function removeAndReadd (mode: 'inprocess' | 'processes'): Promise<void> {
  const s = validateScenario({
    name: 'remove-readd',
    mode,
    durationMs: 60_000,
    seed: 5,
    groups: [{ name: 'n', count: 5, roles: ['always-on'] }],
    contacts: { kind: 'teams', size: 5 },
    traffic: { rate: 0, sizes: [64], ttlMs: 3_600_000, quietMs: 10_000 },
    rooms: [{ name: 'crew', members: ['n'], admins: 2, rate: 0.5, removals: 1, readdAfterMs: 12_000 }]
  }, 'remove-readd')
  // the simulator's log is printed when the run fails, to show where its time went
  const lines: string[] = []
  const log = (line: string): void => { lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`) }
  const run = await simulate(s, { log }).catch(err => { throw new Error(`${String(err.message)}\nlog:\n${lines.join('\n')}`) })
  if (process.env.FERRY_SIM_LOG != null) console.log(lines.join('\n'))
  const r = run.results
  assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
  const [out, back] = run.plan.roomChanges ?? []
  assert.deepEqual([out?.kind, back?.kind], ['room-remove', 'room-add'])
  const applied = run.applied.filter(e => e.kind === 'room-remove' || e.kind === 'room-add')
  assert.deepEqual(applied.map(e => e.note), [undefined, undefined], 'both changes applied')
  const [removedAt, addedAt] = applied.map(e => e.wallAt)
  const rows = run.ledger.entries({ endedAt: r.wallMs })
  // sent (not planned) while it was out: a run that falls behind sends later than planned
  const whileOut = new Set(rows.filter(e => e.room != null && e.sentAt != null && e.sentAt > removedAt + 2_000 && e.sentAt < addedAt).map(e => e.key))
  assert.ok(whileOut.size > 0, 'messages were sent while the member was out')
  for (const key of whileOut) assert.ok(!rows.some(e => e.key === key && e.to === out.node && e.receivedAt.length > 0), `${out.node} opened ${key}, sent while it was out`)
  const after = rows.filter(e => e.to === out.node && (e.sentAt ?? 0) > addedAt + 5_000)
  assert.ok(after.length > 0, 'messages were sent to it after it was added back')
  for (const e of after) assert.equal(e.outcome, 'delivered', `${e.key} from ${e.from} after the readd`)
  assert.equal(r.rooms?.deliveredAfterRemoval, 0)
  assert.equal(r.rooms?.lost, 0)
}
