/**
 * A CLI command against a running daemon: `ferry status --json` wall time, against starting Node
 * and doing nothing (`node -e 0`) in the same run — alternating, medians of RUNS each. The CLI is
 * a thin client of the daemon's API (test/node/cli-thin.spec.ts), so the ratio is what the
 * command itself costs over Node's start.
 */
import { execFileSync } from 'node:child_process'
import { BIN, startDaemons, stopAll } from '../node/harness.js'
import { percentile } from './index.js'
import type { Row } from './index.js'

const RUNS = 15

function ms (args: string[]): number {
  const t0 = performance.now()
  execFileSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return performance.now() - t0
}

export async function cliBench (): Promise<Row[]> {
  const [d] = await startDaemons('cli-bench')
  try {
    const status = ['--no-warnings', BIN, 'status', '--json', '--data-dir', d.dir]
    ms(status) // warm the file cache
    const cli: number[] = []
    const node: number[] = []
    for (let i = 0; i < RUNS; i++) {
      cli.push(ms(status))
      node.push(ms(['-e', '0']))
    }
    const c = percentile(cli.sort((x, y) => x - y), 0.5)
    const n = percentile(node.sort((x, y) => x - y), 0.5)
    return [{ name: 'cli.status.ms', unit: 'ms', value: c, baseline: n, ratio: c / n }]
  } finally {
    await stopAll([d])
  }
}
