#!/usr/bin/env node
/**
 * Build the web app into dist/web with esbuild: one ES module bundle (app.js), its CSS and
 * index.html. Prints the bundle size, writes it to dist/web/size.json, and fails when the gzipped
 * script is over the budget. `--inputs` lists the biggest inputs by package. `--readme` also
 * writes the figures into README.md's generated "bundle-size" section, which
 * test/node/docs.spec.ts compares with dist/web/size.json (so a stale figure fails the suite).
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'

const ROOT = join(import.meta.dirname, '..')
const OUT = join(ROOT, 'dist', 'web')

/** Gzipped size limit of app.js, in KiB: libp2p, noise, yamux, WebRTC, kad-dht, ML-KEM, team rooms (DCGKA, the membership log: about 26 KiB gzipped) and the app. */
export const BUDGET_KIB = 350

function kib (n) { return (n / 1024).toFixed(1) }

mkdirSync(OUT, { recursive: true })
const result = await build({
  entryPoints: [join(ROOT, 'browser', 'app', 'main.tsx')],
  outfile: join(OUT, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning'
})
copyFileSync(join(ROOT, 'browser', 'app', 'index.html'), join(OUT, 'index.html'))
copyFileSync(join(ROOT, 'browser', 'app', 'style.css'), join(OUT, 'style.css'))

const js = readFileSync(join(OUT, 'app.js'))
const size = { bytes: js.byteLength, gzip: gzipSync(js, { level: 9 }).byteLength, budgetKiB: BUDGET_KIB }
writeFileSync(join(OUT, 'size.json'), JSON.stringify(size) + '\n')
/** The README's bundle-size line for `size` (test/node/docs.spec.ts builds the same line). */
export function bundleSizeLine (size) {
  return `**app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped; budget ${size.budgetKiB} KiB gzipped**`
}
console.log(`web app: dist/web/app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped (budget ${BUDGET_KIB} KiB)`)
if (process.argv.includes('--readme')) {
  const readme = join(ROOT, 'README.md')
  const section = /(<!-- bundle-size:[^\n]*-->\n)[\s\S]*?(\n<!-- \/bundle-size -->)/
  const text = readFileSync(readme, 'utf8')
  if (!section.test(text)) throw new Error('README.md has no <!-- bundle-size: --> ... <!-- /bundle-size --> section')
  writeFileSync(readme, text.replace(section, `$1${bundleSizeLine(size)}$2`))
  console.log('web app: README.md bundle-size section written')
}
if (process.argv.includes('--inputs')) {
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find(k => k.endsWith('app.js'))].inputs)
  const byPackage = new Map()
  for (const [file, { bytesInOutput }] of inputs) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
    const key = m == null ? dirname(file) : m[1]
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput)
  }
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${kib(v).padStart(8)} KiB  ${k}`)
}
if (size.gzip > BUDGET_KIB * 1024) {
  console.error(`web app: over the bundle budget (${kib(size.gzip)} > ${BUDGET_KIB} KiB gzipped)`)
  process.exit(1)
}
