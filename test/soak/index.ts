/**
 * npm run soak -- --minutes N [--seed S] [--out DIR]: the chaos soak (node/sim/soak.ts) — ten
 * daemons in network namespaces through SIGKILLs, partitions, lossy links and two skewed clocks,
 * then a quiet tail and a drain; exits 1 unless the checker finds nothing lost, duplicated or
 * delivered after expiry. The seed is printed first; `SOAK_SEED=S` (or `--seed S`) replays a run.
 * Needs root, iproute2 and libfaketime (Debian: faketime).
 */
import { parseArgs } from 'node:util'
import { playProgress } from '../../node/cli/sim.js'
import { soak, soakSummary } from '../../node/sim/soak.js'
import { UnsupportedModeError } from '../../node/sim/simulate.js'

const USAGE = 'usage: npm run soak -- --minutes N [--seed S] [--out DIR]   (SOAK_SEED=S also sets the seed)'

function fail (message: string, code: number): never {
  process.stderr.write(`soak: ${message}\n`)
  process.exit(code)
}

function numberOf (value: string | undefined, what: string, test: (n: number) => boolean): number | undefined {
  if (value == null || value === '') return undefined
  const n = Number(value)
  if (!test(n)) fail(`${what} must be ${what === 'minutes' ? 'a positive number of minutes' : 'an integer from 0 to 4294967295'}, got "${value}"\n${USAGE}`, 2)
  return n
}

async function main (): Promise<void> {
  let values
  try {
    values = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } }, strict: true }).values
  } catch (err: any) {
    fail(`${err.message}\n${USAGE}`, 2)
  }
  const minutes = numberOf(values.minutes, 'minutes', n => Number.isFinite(n) && n > 0)
  if (minutes == null) fail(USAGE, 2)
  const seed = numberOf(values.seed ?? process.env.SOAK_SEED, 'seed', n => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)
  const log = (line: string): void => { process.stderr.write(`[soak] ${line}\n`) }
  let result
  try {
    result = await soak({ minutes, seed, out: values.out, log, progress: playProgress(process.stderr.isTTY, text => process.stderr.write(text)) })
  } catch (err: any) {
    if (err instanceof UnsupportedModeError || err instanceof RangeError) fail(err.message, 2)
    throw err
  }
  process.stdout.write(`${soakSummary(result.figures)}\noutputs in ${result.out}/ (soak.json, results.json, messages.csv, report.html, logs/)\n`)
  process.exit(result.figures.ok ? 0 : 1)
}

main().catch((err: any) => { fail(err.stack ?? String(err), 1) })
