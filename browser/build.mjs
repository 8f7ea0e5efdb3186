#!/usr/bin/env node
/**
 * Build the web app into dist/web with esbuild: one ES module bundle (app.js), its CSS and
 * index.html. Prints the bundle size and fails when the gzipped script is over the budget
 * (README "Bundle size"). `--check` only measures an existing build.
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'

const ROOT = join(import.meta.dirname, '..')
const OUT = join(ROOT, 'dist', 'web')

/** Gzipped size limit of app.js, in KiB: libp2p, noise, yamux, WebRTC, kad-dht, ML-KEM and the app. */
export const BUDGET_KIB = 320

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
const kib = (n) => (n / 1024).toFixed(1)
console.log(`web app: dist/web/app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped (budget ${BUDGET_KIB} KiB)`)
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
