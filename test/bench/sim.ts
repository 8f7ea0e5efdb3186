/**
 * `ferry sim` benchmarks: `npm run bench:sim`, or FERRY_BENCH_SIM=1 with the rest (not
 * by default: they take ten minutes or more). Each scenario runs through the real CLI (`ferry sim
 * run --json`) in a child process of its own, so its peak RSS is its own.
 *
 * - team-churn (shipped, seed 7 as the contract check runs it): delivery ratio and p95 latency;
 *   the baseline of p95 is the scenario's offline window, the longest a message to a churny
 *   node should have to wait.
 * - scale: the shipped scale-1000 scenario. By default it is cut to FERRY_SIM_SCALE nodes (200)
 *   with the same groups, contact degree and per-node traffic over a shorter run, so the bench
 *   stays under ten minutes; FERRY_SIM_SCALE=1000 runs the scenario as shipped (about 10,000
 *   messages; half an hour or more here). Rows: nodes per GiB at peak RSS (whole process; target
 *   >= 200, the baseline), wall time, delivery ratio and p95.
 * - team-groups (shipped, seed 1): the room rows alone — delivery ratio (delivered / (sent −
 *   removed); the baseline is the direct messages' ratio in the same run), lost, copies opened
 *   after a removal, p95 of room copies against the churny members' offline window (as team-churn).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Row } from './index.js'
import type { Results } from '../../node/sim/results.js'
import type { Scenario } from '../../node/sim/types.js'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const FERRY = join(ROOT, 'node', 'bin', 'ferry.js')
/** the whole of a run, set-up included, must end by then */
const RUN_BUDGET_MS = 90 * 60_000
const NODES_PER_GIB_TARGET = 200

async function simRun (scenarioFile: string, seed?: number): Promise<Results> {
  const out = mkdtempSync(join(tmpdir(), 'ferry-bench-sim-'))
  try {
    const args = ['--max-old-space-size=16384', FERRY, 'sim', 'run', scenarioFile, '--json', '--out', out, ...(seed == null ? [] : ['--seed', String(seed)])]
    await new Promise<void>((resolve, reject) => {
      // exit 1 is a failed checker: its results are still the measurement
      execFile(process.execPath, args, { timeout: RUN_BUDGET_MS, maxBuffer: 64 * 2 ** 20 }, (err: any) => { if (err != null && err.code !== 1) reject(err); else resolve() })
    })
    return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

const ratio = (r: Results): number => r.sent === 0 ? NaN : r.delivered / r.sent

/** scale-1000 cut to `n` nodes: the same groups in proportion, degree and traffic per node; shorter unless n is 1000 */
export function scaledScenario (full: Scenario, n: number): Scenario {
  if (n >= 1000) return full
  const f = n / 1000
  return {
    ...full,
    name: `scale-${n}`,
    durationMs: 240_000,
    groups: full.groups.map(g => ({ ...g, count: Math.max(1, Math.round(g.count * f)) })),
    traffic: { ...full.traffic, rate: full.traffic.rate * f, quietMs: 60_000 }
  }
}

export async function simBench (): Promise<Row[]> {
  const rows: Row[] = []
  const churn = await simRun(join(ROOT, 'sim', 'scenarios', 'team-churn.json'), 7)
  const window = JSON.parse(readFileSync(join(ROOT, 'sim', 'scenarios', 'team-churn.json'), 'utf8')).groups.find((g: any) => g.offlineWindowMs != null).offlineWindowMs
  rows.push(
    { name: 'sim.team_churn.delivery_ratio', unit: 'ratio', value: ratio(churn) },
    { name: 'sim.team_churn.p95_ms', unit: 'ms', value: churn.latencyMs.p95 ?? NaN, baseline: window, ratio: (churn.latencyMs.p95 ?? NaN) / window },
    { name: 'sim.team_churn.lost', unit: 'msgs', value: churn.lost }
  )

  const teams = await simRun(join(ROOT, 'sim', 'scenarios', 'team-groups.json'))
  const room = teams.rooms
  if (room == null) throw new Error('team-groups results have no rooms')
  // direct rows = all rows minus the room rows
  const directRatio = (teams.delivered - room.delivered) / (teams.sent - room.sent)
  const teamsWindow = (teams.config as Scenario).groups.find(g => g.offlineWindowMs != null)?.offlineWindowMs ?? NaN
  console.error(`  sim team-groups: ${room.messages} room messages, ${room.delivered}/${room.sent} rows delivered, ${room.removed} removed, ${room.lost} lost, ${room.deliveredAfterRemoval} after removal`)
  rows.push(
    { name: 'sim.team_groups.room_delivery_ratio', unit: 'ratio', value: room.deliveryRatio ?? NaN, baseline: directRatio, ratio: (room.deliveryRatio ?? NaN) / directRatio },
    { name: 'sim.team_groups.room_p95_ms', unit: 'ms', value: room.latencyMs.p95 ?? NaN, baseline: teamsWindow, ratio: (room.latencyMs.p95 ?? NaN) / teamsWindow },
    { name: 'sim.team_groups.room_lost', unit: 'rows', value: room.lost },
    { name: 'sim.team_groups.room_duplicated', unit: 'rows', value: room.duplicated },
    { name: 'sim.team_groups.after_removal', unit: 'copies', value: room.deliveredAfterRemoval }
  )

  const n = Number(process.env.FERRY_SIM_SCALE ?? 200)
  const full = JSON.parse(readFileSync(join(ROOT, 'sim', 'scenarios', 'scale-1000.json'), 'utf8')) as Scenario
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-scale-'))
  try {
    const file = join(dir, 'scale.json')
    writeFileSync(file, JSON.stringify(scaledScenario(full, n)))
    const r = await simRun(file)
    const perGiB = Number((r.metrics as any)?.nodesPerGiB ?? NaN)
    console.error(`  sim scale-${n}: ${r.sent} sent, ${r.delivered} delivered, ${r.lost} lost, wall ${(r.wallMs / 1000).toFixed(0)} s, ${perGiB} nodes/GiB`)
    rows.push(
      { name: `sim.scale_${n}.nodes_per_gib`, unit: 'nodes', value: perGiB, baseline: NODES_PER_GIB_TARGET, ratio: perGiB / NODES_PER_GIB_TARGET },
      { name: `sim.scale_${n}.wall_s`, unit: 's', value: r.wallMs / 1000 },
      { name: `sim.scale_${n}.messages`, unit: 'msgs', value: r.sent },
      { name: `sim.scale_${n}.delivery_ratio`, unit: 'ratio', value: ratio(r) },
      { name: `sim.scale_${n}.p95_ms`, unit: 'ms', value: r.latencyMs.p95 ?? NaN },
      { name: `sim.scale_${n}.lost`, unit: 'msgs', value: r.lost }
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}
