/**
 * `ferry sim` team rooms: the `rooms` section of a scenario, checked (roomSpecs) and expanded into
 * the rooms, the membership changes and the room messages a run plays (planRooms).
 *
 * Rules of the expansion, all from the seed (one random stream per room, so adding a room moves
 * nothing in another, and nothing of the contacts, churn or direct traffic):
 * - a room's members are its `members` entries in order, groups expanded to their nodes; with
 *   `size`, each run of `size` of them is a room of its own (`<name>-<i>`);
 * - the first member creates the room and makes every change; the first `admins` are admins;
 * - the creator is given every member as a contact (a room is made of the creator's contacts;
 *   members need not know each other);
 * - `removals` members, never an admin, are each removed once at a time drawn from 10–70% of the
 *   run, and added back `readdAfterMs` later when that is still within 90% of it;
 * - messages are a Poisson process at `rate` per room until the traffic's quiet tail, each from
 *   a member drawn uniformly from those in the room at that instant by the plan.
 */
import { MAX_MEMBERS } from '../../protocol/groups/ops.js'
import { createRandom } from './random.js'
import { describe, join, rules } from './_problems.js'
import type { Problems } from './_problems.js'
import type { PlannedRoom, PlannedRoomChange, PlannedRoomMessage, RoomSpec, Scenario } from './types.js'

/** Removals happen within this share of the run, after its first tenth. */
const REMOVAL_WINDOW = [0.1, 0.7] as const
/** A readd that would come later than this share of the run is not planned. */
const READD_HORIZON = 0.9

/** The nodes of a list of node and group names, groups expanded, each once, in order. */
export function expand (names: readonly string[], groups: ReadonlyMap<string, readonly string[]>): string[] {
  return [...new Set(names.flatMap(n => groups.get(n) ?? [n]))]
}

/** The members of each room a spec makes, with the rooms' names. */
export function roomsOf (spec: RoomSpec, groups: ReadonlyMap<string, readonly string[]>): Array<{ name: string, members: string[] }> {
  const all = expand(spec.members, groups)
  if (spec.size == null) return [{ name: spec.name, members: all }]
  const out: Array<{ name: string, members: string[] }> = []
  for (let i = 0; i * spec.size < all.length; i++) out.push({ name: `${spec.name}-${i}`, members: all.slice(i * spec.size, (i + 1) * spec.size) })
  return out
}

/**
 * Check a scenario's `rooms`, recording every problem.
 * @param known node and group names (empty when the groups did not validate: nothing is checked against it)
 * @param groups group name -> its nodes
 */
export function roomSpecs (p: Problems, value: unknown, known: ReadonlySet<string>, groups: ReadonlyMap<string, readonly string[]>, durationMs: number | undefined): Array<RoomSpec | undefined> | undefined {
  const list = p.list('rooms', value, true)
  if (list == null) return undefined
  const names = new Set<string>()
  return list.map((item, i) => {
    const path = `rooms[${i}]`
    const r = p.mapping(path, item, ['name', 'members', 'rate'], ['size', 'admins', 'sizes', 'ttlMs', 'removals', 'readdAfterMs'])
    if (r == null) return undefined
    const name = p.string(join(path, 'name'), r.name)
    const members = p.list(join(path, 'members'), r.members, true)?.map((m, j) => {
      const n = p.string(`${path}.members[${j}]`, m)
      if (n !== undefined && known.size > 0 && !known.has(n)) p.add(`${path}.members[${j}]`, `no node or group named ${describe(n)}`)
      return n as string
    })
    const spec: RoomSpec = { name: name as string, members: members as string[], rate: p.number(join(path, 'rate'), r.rate, rules.nonNegative) as number }
    if (r.size !== undefined) spec.size = p.number(join(path, 'size'), r.size, { test: n => Number.isInteger(n) && n >= 2 && n <= MAX_MEMBERS, says: `must be an integer from 2 to ${MAX_MEMBERS}` })
    if (r.admins !== undefined) spec.admins = p.number(join(path, 'admins'), r.admins, rules.positiveInt)
    if (r.sizes !== undefined) spec.sizes = p.list(join(path, 'sizes'), r.sizes, true)?.map((s, j) => p.number(`${path}.sizes[${j}]`, s, rules.size) as number)
    if (r.ttlMs !== undefined) spec.ttlMs = p.number(join(path, 'ttlMs'), r.ttlMs, rules.ttl)
    if (r.removals !== undefined) spec.removals = p.number(join(path, 'removals'), r.removals, rules.nonNegativeInt)
    if (r.readdAfterMs !== undefined) spec.readdAfterMs = p.number(join(path, 'readdAfterMs'), r.readdAfterMs, rules.positiveInt)
    if (name === undefined || members === undefined || members.includes(undefined as unknown as string) || known.size === 0) return spec
    for (const room of roomsOf(spec, groups)) {
      if (names.has(room.name)) p.add(join(path, 'name'), `two rooms would be named ${describe(room.name)}`)
      names.add(room.name)
      if (room.members.length < 2) p.add(join(path, spec.size == null ? 'members' : 'size'), `room ${describe(room.name)} would hold ${room.members.length} member; a room needs at least 2`)
      if (room.members.length > MAX_MEMBERS) p.add(join(path, 'members'), `room ${describe(room.name)} would hold ${room.members.length} members; at most ${MAX_MEMBERS}`)
      const removable = room.members.length - Math.min(spec.admins ?? 1, room.members.length)
      if ((spec.removals ?? 0) > removable) p.add(join(path, 'removals'), `room ${describe(room.name)} has ${removable} members who are not admins; cannot remove ${String(spec.removals)}`)
    }
    if (spec.readdAfterMs !== undefined && durationMs !== undefined && spec.readdAfterMs >= durationMs) p.add(join(path, 'readdAfterMs'), `must be less than durationMs (${durationMs})`)
    return spec
  })
}

/** What planRooms adds to a plan. */
export interface RoomPlan {
  rooms: PlannedRoom[]
  changes: PlannedRoomChange[]
  messages: PlannedRoomMessage[]
  /** contact pairs the rooms need: creator with each member */
  contacts: Array<[string, string]>
}

/**
 * Expand a scenario's rooms (see the file header).
 * @param groups group name -> its nodes
 */
export function planRooms (scenario: Scenario, groups: ReadonlyMap<string, readonly string[]>, seed: number): RoomPlan {
  const out: RoomPlan = { rooms: [], changes: [], messages: [], contacts: [] }
  const end = scenario.durationMs - (scenario.traffic.quietMs ?? 0)
  const unkeyed: Array<Omit<PlannedRoomMessage, 'key'> & { order: number }> = []
  for (const spec of scenario.rooms ?? []) {
    for (const { name, members } of roomsOf(spec, groups)) {
      const random = createRandom(seed, `room:${name}`)
      const admins = members.slice(0, Math.min(spec.admins ?? 1, members.length))
      out.rooms.push({ name, members, admins })
      for (const m of members.slice(1)) out.contacts.push([members[0], m])
      const changes: PlannedRoomChange[] = []
      const removable = members.filter(m => !admins.includes(m))
      for (let k = 0; k < (spec.removals ?? 0) && removable.length > 0; k++) {
        const node = removable.splice(random.int(removable.length), 1)[0]
        const [from, to] = REMOVAL_WINDOW.map(f => Math.floor(f * scenario.durationMs))
        const at = from + random.int(to - from)
        changes.push({ at, kind: 'room-remove', room: name, node })
        const back = spec.readdAfterMs == null ? undefined : at + spec.readdAfterMs
        if (back != null && back < READD_HORIZON * scenario.durationMs) changes.push({ at: back, kind: 'room-add', room: name, node })
      }
      changes.sort((a, b) => a.at - b.at)
      out.changes.push(...changes)
      const sizes = spec.sizes ?? scenario.traffic.sizes
      const ttlMs = spec.ttlMs ?? scenario.traffic.ttlMs ?? 7 * 24 * 3_600_000
      for (let t = random.exponential(spec.rate / 1000); spec.rate > 0 && t < end; t += random.exponential(spec.rate / 1000)) {
        const at = Math.floor(t)
        const present = membersAt(members, changes, at)
        const from = random.pick(present)
        unkeyed.push({ order: out.rooms.length, at, from, room: name, plannedTo: present.filter(m => m !== from), size: random.pick(sizes), ttlMs })
      }
    }
  }
  // keys in time order over every room (ties: in room order), so r1 is the run's first room message
  unkeyed.sort((a, b) => a.at - b.at || a.order - b.order)
  out.messages = unkeyed.map(({ order, ...m }, i) => ({ key: `r${i + 1}`, ...m }))
  out.changes.sort((a, b) => a.at - b.at)
  return out
}

/** The room's members at `at` by the planned changes (a change at `at` has happened). */
export function membersAt (members: readonly string[], changes: readonly PlannedRoomChange[], at: number): string[] {
  const out = new Set(members)
  for (const c of changes) {
    if (c.at > at) break
    if (c.kind === 'room-remove') out.delete(c.node)
    else out.add(c.node)
  }
  return members.filter(m => out.has(m))
}
