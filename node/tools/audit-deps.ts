/**
 * `npm run audit:deps`: every production package with its licence and last release date, and a
 * gate on install scripts. It reads package-lock.json (and the installed tree beside it, when
 * there is one) and fails when a package has an install script (preinstall, install,
 * postinstall, or an implicit `node-gyp rebuild` from a binding.gyp) that the committed
 * allow-list does not name: the `allowScripts` field of package.json, which npm 11 also reads
 * (`npm approve-scripts`, `npm deny-scripts`; .npmrc sets strict-allow-scripts so an install
 * fails on the same condition). Release dates come from the npm registry, fetched in parallel
 * with a timeout per package; without the registry the listing says so and the gate still runs.
 *
 * @example
 * npm run audit:deps               # table, exit 1 on an unreviewed install script
 * npm run audit:deps -- --offline  # no registry
 * npm run audit:deps -- --json
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

/** Registry requests in flight at once. */
export const FETCH_CONCURRENCY = 8
/** Per-package registry timeout. */
export const FETCH_TIMEOUT_MS = 15_000
/** Largest registry document read (the biggest packuments are a few MiB). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const

/** One package of the lock file. */
export interface LockedPackage {
  name: string
  version: string
  /** where it is installed, e.g. node_modules/@libp2p/webrtc */
  path: string
  production: boolean
  license?: string
  /** a local folder linked in (file: dependency), not from the registry */
  local: boolean
  /** install scripts it runs: `postinstall: node install.js` */
  scripts: string[]
}

export interface PackageReport extends LockedPackage {
  /** ISO date of the package's newest release on the registry */
  lastRelease?: string
  latest?: string
  deprecated?: string
  /** why the registry had no answer */
  registryError?: string
  /** install scripts: how the allow-list treats them */
  allowed?: 'allowed' | 'denied' | 'unreviewed'
}

export interface AuditReport {
  packages: PackageReport[]
  /** production packages */
  production: number
  /** packages (production or development) with an install script no allow-list entry covers */
  unreviewed: PackageReport[]
  /** set when the registry could not be used at all */
  offline?: string
}

export interface AuditOptions {
  /** the project directory (package.json, package-lock.json, maybe node_modules) */
  dir: string
  /** registry base URL; undefined: no registry */
  registry?: string
  timeoutMs?: number
  concurrency?: number
}

/** Read the lock (v2 or v3) and, where installed, each package's own package.json for its scripts. */
export function readLock (dir: string): LockedPackage[] {
  const lockPath = join(dir, 'package-lock.json')
  if (!existsSync(lockPath)) throw new Error(`no package-lock.json in ${dir}: run npm install first`)
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
  if (lock.packages == null || typeof lock.packages !== 'object') throw new Error(`${lockPath}: lockfileVersion ${String(lock.lockfileVersion)} has no "packages"; npm 7 or later writes one`)
  const entries: Record<string, any> = lock.packages
  const out: LockedPackage[] = []
  for (const [path, entry] of Object.entries(entries)) {
    if (path === '' || !path.includes('node_modules/')) continue // the project, and link targets (read through their links)
    const target = entry.link === true ? entries[entry.resolved] ?? {} : entry
    const name: string = target.name ?? entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const installed = join(dir, entry.link === true ? entry.resolved : path)
    out.push({
      name,
      version: target.version ?? '',
      path,
      production: entry.dev !== true && entry.devOptional !== true,
      license: target.license ?? readJson(join(installed, 'package.json'))?.license,
      local: entry.link === true,
      scripts: installScripts(target, installed)
    })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
}

function readJson (path: string): any {
  try { return JSON.parse(readFileSync(path, 'utf8')) } catch { return undefined }
}

/** The install scripts a package runs, from its installed package.json, else the lock's flag. */
function installScripts (entry: any, installed: string): string[] {
  const manifest = readJson(join(installed, 'package.json'))
  if (manifest == null) return entry.hasInstallScript === true ? ['an install script (package-lock.json: hasInstallScript)'] : []
  const scripts: string[] = INSTALL_SCRIPTS.filter(s => typeof manifest.scripts?.[s] === 'string').map(s => `${s}: ${String(manifest.scripts[s])}`)
  // npm runs `node-gyp rebuild` for a binding.gyp when the package names no install script itself
  if (scripts.length === 0 && existsSync(join(installed, 'binding.gyp')) && manifest.gypfile !== false) scripts.push('install: node-gyp rebuild (binding.gyp)')
  if (scripts.length === 0 && entry.hasInstallScript === true) scripts.push('an install script (package-lock.json: hasInstallScript)')
  return scripts
}

/** How package.json's `allowScripts` treats a package: entries are `name` or `name@version`. */
export function allowedBy (allowScripts: Record<string, unknown>, name: string, version: string): 'allowed' | 'denied' | 'unreviewed' {
  for (const key of [`${name}@${version}`, name]) {
    if (allowScripts[key] === true) return 'allowed'
    if (allowScripts[key] === false) return 'denied'
  }
  return 'unreviewed'
}

/** Audit the project in `options.dir`. */
export async function auditDeps (options: AuditOptions): Promise<AuditReport> {
  const manifest = readJson(join(options.dir, 'package.json'))
  if (manifest == null) throw new Error(`no readable package.json in ${options.dir}`)
  const allowScripts: Record<string, unknown> = manifest.allowScripts ?? {}
  const packages: PackageReport[] = readLock(options.dir)
  for (const p of packages) if (p.scripts.length > 0) p.allowed = allowedBy(allowScripts, p.name, p.version)
  const report: AuditReport = {
    packages,
    production: packages.filter(p => p.production).length,
    unreviewed: packages.filter(p => p.allowed === 'unreviewed')
  }
  if (options.registry == null) {
    report.offline = 'registry not asked (--offline)'
    return report
  }
  const names = [...new Set(packages.filter(p => p.production && !p.local).map(p => p.name))]
  const answers = new Map<string, Awaited<ReturnType<typeof fetchPackument>>>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]
      answers.set(name, await fetchPackument(options.registry as string, name, options.timeoutMs ?? FETCH_TIMEOUT_MS))
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? FETCH_CONCURRENCY, names.length) }, worker))
  for (const p of packages) {
    const a = answers.get(p.name)
    if (a == null || !p.production) continue
    if ('error' in a) p.registryError = a.error
    else Object.assign(p, { lastRelease: a.lastRelease, latest: a.latest, deprecated: a.deprecated?.[p.version] })
  }
  const failed = [...answers.values()].filter(a => 'error' in a) as Array<{ error: string }>
  if (names.length > 0 && failed.length === names.length) report.offline = `the npm registry (${options.registry}) could not be reached: ${failed[0].error}`
  return report
}

/** The newest release date, latest version and deprecations of one package, or why not. */
async function fetchPackument (registry: string, name: string, timeoutMs: number): Promise<{ lastRelease?: string, latest?: string, deprecated?: Record<string, string> } | { error: string }> {
  const url = `${registry.replace(/\/$/, '')}/${name.replace('/', '%2f')}`
  try {
    const signal = AbortSignal.timeout(timeoutMs)
    const res = await fetch(url, { signal, headers: { accept: 'application/json' } })
    if (!res.ok) return { error: `HTTP ${res.status}` }
    const doc = JSON.parse(await readCapped(res, MAX_DOCUMENT_BYTES))
    const times = Object.entries(doc.time ?? {}).filter(([k]) => k !== 'created' && k !== 'modified').map(([, v]) => String(v)).sort()
    const deprecated: Record<string, string> = {}
    for (const [v, m] of Object.entries<any>(doc.versions ?? {})) if (typeof m?.deprecated === 'string') deprecated[v] = m.deprecated
    return { lastRelease: times.at(-1), latest: doc['dist-tags']?.latest, deprecated }
  } catch (err: any) {
    const cause = err.cause?.code ?? err.cause?.message
    return { error: err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${String(err.message)}${cause != null ? ` (${String(cause)})` : ''}` }
  }
}

async function readCapped (res: Response, max: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > max) throw new Error(`document larger than ${max} bytes`)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > max) throw new Error(`document larger than ${max} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The report as text: a table of production packages, the licence tally, then the verdict. */
export function formatReport (report: AuditReport): string {
  const prod = report.packages.filter(p => p.production)
  const rows = prod.map(p => [
    `${p.name}@${p.version}`,
    p.license ?? 'UNKNOWN',
    p.local ? 'local' : (p.lastRelease?.slice(0, 10) ?? (p.registryError != null ? '?' : '-')),
    [p.local ? 'stand-in folder, not from the registry' : '', p.deprecated != null ? `deprecated: ${p.deprecated}` : '', p.scripts.length > 0 ? `install script (${p.allowed ?? ''})` : '', p.registryError != null && report.offline == null ? `registry: ${p.registryError}` : ''].filter(Boolean).join('; ')
  ])
  const head = ['package', 'licence', 'last release', 'notes']
  const width = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (r: string[]): string => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(width[i])).join('  ').trimEnd()
  const licences = new Map<string, number>()
  for (const p of prod) licences.set(p.license ?? 'UNKNOWN', (licences.get(p.license ?? 'UNKNOWN') ?? 0) + 1)
  const out = [line(head), ...rows.map(line), '']
  out.push(`${report.production} production packages (${report.packages.length} with development ones)`)
  out.push(`licences: ${[...licences].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(', ')}`)
  if (report.offline != null) out.push(`release dates not shown: ${report.offline}; licences and install scripts were read from package-lock.json`)
  const scripted = report.packages.filter(p => p.scripts.length > 0)
  for (const p of scripted) out.push(`install script ${p.allowed ?? ''}: ${p.name}@${p.version}${p.production ? '' : ' (development)'} — ${p.scripts.join('; ')}`)
  if (report.unreviewed.length > 0) {
    out.push(`FAIL: ${report.unreviewed.length} package(s) with an install script not in allowScripts (package.json): ${report.unreviewed.map(p => p.name).join(', ')}`)
    out.push('Read the script; then `npm approve-scripts NAME` (it runs) or `npm deny-scripts NAME` (it never runs), and commit package.json.')
  } else {
    out.push(`ok: every install script is reviewed in allowScripts (${scripted.length} package(s))`)
  }
  return out.join('\n')
}

/** The command: exit code 1 on an unreviewed install script, 2 on bad usage or an unreadable project. */
export async function main (argv: string[]): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { dir: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' }, 'timeout-ms': { type: 'string' } } }))
  } catch (err: any) {
    console.error(`audit:deps: ${String(err.message)}\nusage: npm run audit:deps -- [--dir DIR] [--offline] [--json] [--timeout-ms N]`)
    return 2
  }
  const timeoutMs = values['timeout-ms'] == null ? FETCH_TIMEOUT_MS : Number(values['timeout-ms'])
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(`audit:deps: --timeout-ms must be a positive integer, not ${String(values['timeout-ms'])}`)
    return 2
  }
  const registry = values.offline === true ? undefined : (process.env.npm_config_registry ?? 'https://registry.npmjs.org/')
  let report: AuditReport
  try {
    report = await auditDeps({ dir: values.dir ?? process.cwd(), registry, timeoutMs })
  } catch (err: any) {
    console.error(`audit:deps: ${String(err.message)}`)
    return 2
  }
  console.log(values.json === true ? JSON.stringify(report, null, 2) : formatReport(report))
  return report.unreviewed.length > 0 ? 1 : 0
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2))
}
