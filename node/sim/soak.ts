/**
 * The chaos soak (`npm run soak -- --minutes N [--seed S]`): ten production `ferry start` daemons,
 * each in its own network namespace on a bridge (the simulator's netns mode), with messages
 * flowing between contacts while the daemons are SIGKILLed and restarted, cut off by partitions,
 * put on lossy links, and two of them run with clocks minutes off; then a quiet tail and a drain.
 * The simulator's checker judges it: lost 0, duplicated 0, delivered-after-expiry 0.
 *
 * The world: 3 mailbox hosts and 7 peers, everyone a contact of everyone; every node uses two
 * hosts as its mailboxes (hosts use the other two), senders deposit at 2, so mail to a node that
 * is down or cut off waits at its hosts — which are killed and cut off too. About 1 message a
 * second; 30 % of them disappearing, with timers of 1 to 15 minutes (some shorter than the clock
 * skew, so a node whose clock is ahead must refuse them on arrival); the rest keep Ferry's 7-day
 * default, which no clock reaches within a run, so for them an acknowledgement is a promise the
 * checker holds without exception. Faults (chaos.ts) stop at `minutes`; then a minute with no
 * new messages and every node up, and a drain that ends as soon as every sent message has
 * arrived or expired (bounded: `drainMs`).
 *
 * Clocks (clock.ts): libfaketime moves the realtime clock of the two skewed daemons (Date.now(),
 * which stamps created/expiresAt and judges expiry), not the monotonic one their timers use. The
 * ledger converts what they report to the machine's clock and judges expiry on each recipient's
 * own clock, as Ferry does at every hop (ledger.ts); `observedOffsets` shows the skew took effect
 * (a sender's expiresAt minus its timer, against the moment the driver sent it).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DEFAULT_TTL_MS } from '../../protocol/constants.js'
import { chaosTimeline } from './chaos.js'
import { validateScenario } from './scenario.js'
import { simulate } from './simulate.js'
import type { Chaos } from './chaos.js'
import type { Results } from './results.js'
import type { SimulationRun } from './simulate.js'
import type { Scenario } from './types.js'

/** The longest soak `soakScenario` makes (a day of chaos). */
export const MAX_SOAK_MINUTES = 24 * 60

/** Timers of the soak's disappearing messages, ms: 1, 2, 4, 8 and 15 minutes. */
export const SOAK_TIMERS_MS = [60_000, 120_000, 240_000, 480_000, 900_000]

/** The soak's tail after the chaos: every node up, no new messages. */
export const SOAK_QUIET_MS = 60_000

export interface SoakOptions {
  /** minutes of chaos (fractions allowed, down to 10 s) */
  minutes: number
  /** 0..2^32-1; random when absent (the run prints it: SOAK_SEED=S replays it) */
  seed?: number
  /** where soak.json (the figures), results.json, messages.csv, report.html and logs/<node>.log go */
  out?: string
  /** wall ms the drain may go on at most (default: a third of the chaos, at least 3 minutes) */
  drainMs?: number
  log?(line: string): void
  progress?(done: number, total: number): void
}

/** A random 32-bit seed. */
export function randomSeed (): number {
  return randomBytes(4).readUInt32BE(0)
}

/**
 * The soak's scenario for `minutes` of chaos and a seed: the world in the file header, the faults
 * of chaos.ts.
 *
 * @throws RangeError for minutes outside (10 s, MAX_SOAK_MINUTES] or a bad seed
 */
export function soakScenario (minutes: number, seed: number, drainMs?: number): { scenario: Scenario, chaos: Chaos } {
  if (!(minutes * 60_000 >= 10_000 && minutes <= MAX_SOAK_MINUTES)) throw new RangeError(`"minutes" must be from 1/6 (10 s) to ${MAX_SOAK_MINUTES}, got ${minutes}`)
  const chaosMs = Math.round(minutes * 60_000)
  const nodes = [...Array.from({ length: 3 }, (_, i) => `host-${i}`), ...Array.from({ length: 7 }, (_, i) => `peer-${i}`)]
  const chaos = chaosTimeline({ nodes, chaosMs, seed })
  const scenario = validateScenario({
    name: `soak-${minutes}m`,
    description: `chaos soak: ${chaos.counts.kills} kills, ${chaos.counts.partitions} partitions, ${chaos.counts.lossyLinks} lossy-link episodes and two skewed clocks over ${minutes} min, then a quiet minute and a drain`,
    mode: 'netns',
    durationMs: chaosMs + SOAK_QUIET_MS,
    timeScale: 1,
    seed,
    groups: [{ name: 'host', count: 3, roles: ['mailbox-host'] }, { name: 'peer', count: 7, roles: [] }],
    contacts: { kind: 'teams', size: 10 },
    traffic: { rate: 1, sizes: [64, 300, 1_500, 6_000], ttlMs: DEFAULT_TTL_MS, disappearing: 0.3, disappearingTtlsMs: SOAK_TIMERS_MS, quietMs: SOAK_QUIET_MS },
    events: chaos.events,
    replication: 2,
    drainMs: drainMs ?? Math.max(180_000, Math.round(chaosMs / 3)),
    clockOffsets: chaos.clockOffsets
  }, 'soak')
  return { scenario, chaos }
}

/** What a soak prints and writes to soak.json. */
export interface SoakFigures {
  ok: boolean
  seed: number
  chaosMinutes: number
  /** planned messages, and how many were sent (a sender that is down sends nothing) */
  planned: number
  sent: number
  delivered: number
  /** delivered messages that a mailbox held first (a custody receipt before the delivery receipt) */
  viaMailbox: number
  lost: number
  duplicated: number
  deliveredAfterExpiry: number
  /** sent, never acknowledged nor received, and expired (no failure) */
  expired: number
  /** disappearing messages acknowledged by a host that expired (on the recipient's clock) before reaching it */
  expiredInCustody: number
  /** sent, not acknowledged, not expired at the end: should be 0 after the drain */
  pending: number
  notSent: number
  /** copies stored after the sender's clock passed expiresAt, while the recipient's clock had not (allowed: a clock behind) */
  storedLateBySenderClock: number
  kills: number
  restarts: number
  partitions: number
  lossyLinks: number
  clockOffsets: Record<string, number>
  /** per skewed node: the median of (its expiresAt - timer - the machine's send time), ms */
  observedOffsets: Record<string, number | null>
  latencyMs: { p50: number | null, p95: number | null }
  mailboxLatencyMs: { p50: number | null, p95: number | null }
  /** highest resident memory of any daemon process, bytes */
  peakRssBytes: number | null
  lateMs: number
  drainedMs: number
  wallMs: number
  linkShaping: string
  /** messages a daemon's changes feed (GET /v1/messages?changedAfter) never reported (driver.ts audit): a daemon bug */
  missedByFeed: number
  failures: string[]
}

/** The soak's figures from a finished run. */
export function soakFigures (run: SimulationRun, chaos: Chaos, seed: number, minutes: number): SoakFigures {
  const r: Results = run.results
  const entries = run.ledger.entries({ endedAt: r.endedAt })
  const offsets = chaos.clockOffsets
  const count = (kind: string): number => run.applied.filter(e => e.kind === kind).length
  const observed: Record<string, number | null> = {}
  for (const node of Object.keys(offsets)) {
    const skews = entries.filter(e => e.from === node && e.sentAt != null && e.expiresAt != null)
      .map(e => (e.expiresAt as number) - (e.disappearing ? e.ttlMs : DEFAULT_TTL_MS) - (e.sentAt as number)).sort((a, b) => a - b)
    observed[node] = skews.length === 0 ? null : skews[Math.floor(skews.length / 2)]
  }
  const rss = (r.metrics.nodes ?? []).map(n => n.peakRssBytes ?? n.rssBytes ?? 0)
  const missed = r.metrics.missedByFeed ?? []
  const keyOf = new Map(entries.flatMap(e => e.id == null ? [] : [[e.id, e.key] as const]))
  return {
    ok: r.ok && missed.length === 0,
    seed,
    chaosMinutes: minutes,
    planned: run.plan.messages.length,
    sent: r.sent,
    delivered: r.delivered,
    viaMailbox: r.latencyByPath.mailbox.count,
    lost: r.lost,
    duplicated: r.duplicated,
    deliveredAfterExpiry: r.deliveredAfterExpiry,
    expired: entries.filter(e => e.outcome === 'expired' && e.storedAt == null && e.deliveredAt == null).length,
    expiredInCustody: entries.filter(e => e.outcome === 'expired' && (e.storedAt != null || e.deliveredAt != null)).length,
    pending: r.pending,
    notSent: r.notSent,
    storedLateBySenderClock: entries.filter(e => e.expiresAt != null && e.receivedAt.some(t => t + (offsets[e.from] ?? 0) > (e.expiresAt as number))).length,
    kills: count('crash'),
    restarts: count('restart'),
    partitions: count('partition'),
    lossyLinks: run.applied.filter(e => e.kind === 'shape' && (e.link?.lossPct ?? 0) > 0).length,
    clockOffsets: offsets,
    observedOffsets: observed,
    latencyMs: { p50: r.latencyMs.p50, p95: r.latencyMs.p95 },
    mailboxLatencyMs: { p50: r.latencyByPath.mailbox.p50, p95: r.latencyByPath.mailbox.p95 },
    peakRssBytes: rss.length === 0 ? null : Math.max(...rss),
    lateMs: r.metrics.lateMs ?? 0,
    drainedMs: r.metrics.drainedMs ?? 0,
    wallMs: r.wallMs,
    linkShaping: String(r.metrics.linkShaping ?? 'unknown'),
    missedByFeed: missed.length,
    failures: [...r.failures, ...missed.slice(0, 20).map(m => `${keyOf.get(m.id) ?? m.id} at ${m.node}: never reported by its changes feed (${m.direction}, ${m.status}, rev ${m.rev}); only the full read at the end found it`)]
  }
}

/** The figures as the terminal shows them, one per line. */
export function soakSummary (f: SoakFigures): string {
  const s = (ms: number | null): string => ms == null ? '-' : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
  const skew = Object.entries(f.clockOffsets).map(([n, ms]) => `${n} ${ms > 0 ? '+' : ''}${ms / 1000} s (seen ${f.observedOffsets[n] == null ? '-' : `${((f.observedOffsets[n] as number) / 1000).toFixed(1)} s`})`).join(', ')
  return [
    `soak ${f.ok ? 'passed' : 'FAILED'}: seed ${f.seed} (SOAK_SEED=${f.seed} replays it), ${f.chaosMinutes} min of chaos`,
    `checker: lost ${f.lost}, duplicated ${f.duplicated}, delivered after expiry ${f.deliveredAfterExpiry}; missed by a changes feed ${f.missedByFeed}`,
    `messages: ${f.planned} planned, ${f.sent} sent, ${f.delivered} delivered (${f.viaMailbox} held by a mailbox first), ${f.notSent} not sent (sender down), ${f.expired} expired unacknowledged, ${f.expiredInCustody} expired in custody, ${f.pending} pending`,
    `expiry by each hop's clock: ${f.storedLateBySenderClock} copies stored after the sender's clock passed expiresAt but before the recipient's did`,
    `faults: ${f.kills} SIGKILLs (${f.restarts} restarts), ${f.partitions} partitions, ${f.lossyLinks} lossy-link episodes (${f.linkShaping}); clocks ${skew}`,
    `latency: p50 ${s(f.latencyMs.p50)}, p95 ${s(f.latencyMs.p95)}; via a mailbox p50 ${s(f.mailboxLatencyMs.p50)}, p95 ${s(f.mailboxLatencyMs.p95)}`,
    `peak RSS of a daemon: ${f.peakRssBytes == null ? '-' : `${(f.peakRssBytes / 2 ** 20).toFixed(0)} MiB`}; behind plan at most ${s(f.lateMs)}, drained ${s(f.drainedMs)}, wall ${s(f.wallMs)}`,
    ...f.failures.map(x => `  ${x}`)
  ].join('\n')
}

/**
 * Run a soak to its end: set up, chaos, quiet tail, drain, checker, outputs.
 *
 * @throws UnsupportedModeError when netns mode or libfaketime cannot run here; Error when set-up fails
 */
export async function soak (options: SoakOptions): Promise<{ run: SimulationRun, figures: SoakFigures, out: string }> {
  const seed = options.seed ?? randomSeed()
  const { scenario, chaos } = soakScenario(options.minutes, seed, options.drainMs)
  const out = options.out ?? join(tmpdir(), `ferry-soak-${seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  mkdirSync(join(out, 'logs'), { recursive: true })
  options.log?.(`seed ${seed} (SOAK_SEED=${seed} replays it); outputs and daemon logs in ${out}`)
  options.log?.(scenario.description as string)
  const run = await simulate(scenario, {
    seed,
    out,
    daemonLogs: join(out, 'logs'),
    daemonEnv: { DEBUG: 'ferry,ferry:*' },
    drainPending: true,
    log: options.log,
    progress: options.progress
  })
  const figures = soakFigures(run, chaos, seed, options.minutes)
  writeFileSync(join(out, 'soak.json'), JSON.stringify(figures, null, 2) + '\n')
  return { run, figures, out }
}
