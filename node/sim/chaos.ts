/**
 * The soak's faults (soak.ts): a seeded timeline of SIGKILLs and restarts, partitions and lossy
 * links for a netns scenario, and the clock offsets of two nodes. Everything comes from the seed,
 * one independent stream per kind of fault (`createRandom(seed, 'chaos-kills')`, …), so the same
 * seed gives the same faults at the same moments, and changing how often partitions happen does
 * not move the kills.
 *
 * Every fault ends by `chaosMs`: each killed node has a restart by then, each partition a heal and
 * each lossy link its restore, so the quiet tail after it starts from a whole network.
 * - Kills: a Poisson process (mean gap `killEveryMs`) picks a node that is up; it is SIGKILLed
 *   and restarted `downMs` later, with at most `maxDown` nodes down at once (a pick that would
 *   exceed it is skipped).
 * - Partitions: one at a time (a netns network holds one cut), a random side of 1 to `maxSide`
 *   nodes cut off for `partitionMs`, then healed; gaps between them are exponential (mean
 *   `partitionEveryMs`).
 * - Lossy links: one episode at a time, 1 to 3 nodes lose `lossPct` of what they send (and wait
 *   `delayMs` where the kernel has netem) for `lossMs`, then their links are restored.
 * - Clocks: two different nodes, one ahead and one behind by `skewMs` (whole seconds).
 */
import { createRandom } from './random.js'
import type { Random } from './random.js'
import type { ScenarioEvent } from './types.js'

/** A closed range [min, max] of ms (or percent, for loss). */
export type Span = readonly [min: number, max: number]

export interface ChaosOptions {
  /** the nodes faults may hit */
  nodes: readonly string[]
  /** ms of chaos from the start; every fault ends before it */
  chaosMs: number
  seed: number
  /** mean ms between kills */
  killEveryMs?: number
  /** how long a killed node stays down, ms */
  downMs?: Span
  /** most nodes down at once */
  maxDown?: number
  /** mean ms from one partition's heal to the next partition */
  partitionEveryMs?: number
  partitionMs?: Span
  /** most nodes on the cut-off side */
  maxSide?: number
  /** mean ms from one lossy-link episode's end to the next */
  lossEveryMs?: number
  lossMs?: Span
  /** percent of packets lost on a lossy link */
  lossPct?: Span
  /** ms of delay on a lossy link (netem only) */
  delayMs?: Span
  /** how far the two skewed clocks are off, ms (one ahead, one behind) */
  skewMs?: Span
}

/** Every option filled in. */
type Settings = Required<ChaosOptions>

/** The soak's defaults (see the file header). */
export const CHAOS_DEFAULTS: Omit<Settings, 'nodes' | 'chaosMs' | 'seed'> = {
  killEveryMs: 20_000,
  downMs: [3_000, 40_000],
  maxDown: 3,
  partitionEveryMs: 40_000,
  partitionMs: [10_000, 45_000],
  maxSide: 4,
  lossEveryMs: 30_000,
  lossMs: [10_000, 40_000],
  lossPct: [3, 25],
  delayMs: [20, 150],
  skewMs: [120_000, 360_000]
}

/** Faults start this long after the run does (contacts are made; the first messages flow). */
const FIRST_FAULT_MS = 5_000
/** Every fault ends at least this long before the chaos does. */
const LAST_FAULT_END_MS = 1_000

export interface Chaos {
  /** crash, restart, partition, heal and shape events, sorted by time */
  events: ScenarioEvent[]
  /** two nodes' clock offsets (Scenario.clockOffsets) */
  clockOffsets: Record<string, number>
  counts: { kills: number, partitions: number, lossyLinks: number }
}

/**
 * The faults of one soak, deterministically from `seed`.
 *
 * @throws RangeError for fewer than 3 nodes (a partition must leave both sides non-empty, two
 * clocks are skewed) or a chaos shorter than 10 s
 */
export function chaosTimeline (options: ChaosOptions): Chaos {
  const o: Settings = { ...CHAOS_DEFAULTS, ...options }
  if (o.nodes.length < 3) throw new RangeError(`a soak needs at least 3 nodes, got ${o.nodes.length}`)
  if (!(o.chaosMs >= 10_000)) throw new RangeError(`"chaosMs" must be at least 10000, got ${o.chaosMs}`)
  const end = o.chaosMs - LAST_FAULT_END_MS
  const kills = killsOf(o, end, createRandom(o.seed, 'chaos-kills'))
  const partitions = episodes(o.partitionEveryMs, o.partitionMs, end, createRandom(o.seed, 'chaos-partitions'), (r, at, until) => {
    const side = pickSome(r, o.nodes, 1 + r.int(Math.min(o.maxSide, o.nodes.length - 1)))
    return [{ at, kind: 'partition', nodes: side }, { at: until, kind: 'heal' }]
  })
  const lossy = episodes(o.lossEveryMs, o.lossMs, end, createRandom(o.seed, 'chaos-links'), (r, at, until) => {
    const nodes = pickSome(r, o.nodes, 1 + r.int(3))
    const link = { lossPct: between(r, o.lossPct), delayMs: between(r, o.delayMs) }
    return [{ at, kind: 'shape', nodes, link }, { at: until, kind: 'shape', nodes, link: { lossPct: 0, delayMs: 0 } }]
  })
  const events = [...kills, ...partitions, ...lossy].sort((a, b) => a.at - b.at)
  return {
    events,
    clockOffsets: clocksOf(o, createRandom(o.seed, 'chaos-clocks')),
    counts: { kills: kills.length / 2, partitions: partitions.length / 2, lossyLinks: lossy.length / 2 }
  }
}

/** Kills as crash/restart pairs, at most `maxDown` nodes down at any moment. */
function killsOf (o: Settings, end: number, r: Random): ScenarioEvent[] {
  const down: Array<{ node: string, from: number, to: number }> = []
  const events: ScenarioEvent[] = []
  for (let t = FIRST_FAULT_MS + r.exponential(1 / o.killEveryMs); t < end; t += r.exponential(1 / o.killEveryMs)) {
    const at = Math.floor(t)
    const back = Math.min(at + between(r, o.downMs), end)
    // every node down at some moment of [at, back] counts against the limit
    const busy = new Set(down.filter(d => d.from <= back && at <= d.to).map(d => d.node))
    const node = r.pick(o.nodes)
    if (busy.size >= o.maxDown || busy.has(node) || back <= at) continue
    down.push({ node, from: at, to: back })
    events.push({ at, kind: 'crash', nodes: [node] }, { at: back, kind: 'restart', nodes: [node] })
  }
  return events
}

/** Back-to-back episodes: an exponential gap, then `make` for [at, until], until `end`. */
function episodes (everyMs: number, lengthMs: Span, end: number, r: Random, make: (r: Random, at: number, until: number) => ScenarioEvent[]): ScenarioEvent[] {
  const events: ScenarioEvent[] = []
  for (let t = FIRST_FAULT_MS + r.exponential(1 / everyMs); ; t += r.exponential(1 / everyMs)) {
    const at = Math.floor(t)
    const until = at + between(r, lengthMs)
    if (until > end) return events
    events.push(...make(r, at, until))
    t = until
  }
}

/** Two different nodes: the first runs ahead, the second behind, by whole seconds. */
function clocksOf (o: Settings, r: Random): Record<string, number> {
  const [ahead, behind] = pickSome(r, o.nodes, 2)
  const skew = (): number => Math.round(between(r, o.skewMs) / 1000) * 1000
  return { [ahead]: skew(), [behind]: -skew() }
}

/** An integer in [min, max], uniformly. */
function between (r: Random, [min, max]: Span): number {
  return min + r.int(max - min + 1)
}

/** `n` different elements, in the order picked. */
function pickSome (r: Random, list: readonly string[], n: number): string[] {
  const left = [...list]
  return Array.from({ length: Math.min(n, left.length) }, () => left.splice(r.int(left.length), 1)[0])
}
