#!/usr/bin/env node
if (Number(process.versions.node.split('.')[0]) < 22) { console.error(`ferry: needs Node.js >= 22 (this is ${process.version}); run it through npx --no-install ferry or npm run, which use the pinned Node`); process.exit(1) }
// V8's code cache for every module loaded (kept in the OS temp dir, keyed by each file's content):
// a daemon's start-up spends most of its time compiling modules, a third less with the cache
process.getBuiltinModule?.('node:module')?.enableCompileCache?.() // Node 22.1+ (getBuiltinModule 22.3+): skipped before
import('../../dist/node/cli/main.js').then(async ({ run }) => run(process.argv.slice(2)))
