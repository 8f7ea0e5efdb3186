// Closes an unbounded read in @libp2p/utils' lpStream until upstream ships the fix
// (docs/security/upstream-libp2p-utils-lpstream.md): a length prefix that never ends (0xff bytes)
// was kept byte by byte, because the prefix's length was checked only after a varint decoded.
// multistream-select reads that way on every inbound connection before any authentication, so any
// host that can open a TCP connection could exhaust a daemon's memory. Runs at `npm install` /
// `npm ci` (package.json postinstall); idempotent; fails the install loudly when the code it
// patches has changed, so a silent upgrade cannot reopen the hole. Plain Node, any version.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const MARK = '/* ferry: bounded length prefix */'
const BEFORE = `                lengthBuffer.append(buf);
                try {
                    dataLength = decodeLength(lengthBuffer);`
const AFTER = `                lengthBuffer.append(buf);
                ${MARK}
                if (lengthBuffer.byteLength > (opts?.maxLengthLength ?? 10)) {
                    throw new InvalidDataLengthLengthError(\`Message length length too long - \${lengthBuffer.byteLength} > \${opts?.maxLengthLength ?? 10}\`);
                }
                try {
                    dataLength = decodeLength(lengthBuffer);`

/** Every installed copy of @libp2p/utils under `dir`. */
function copies (dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue
    const path = join(dir, name)
    if (name === '@libp2p' && existsSync(join(path, 'utils', 'dist', 'src', 'stream-utils.js'))) out.push(join(path, 'utils', 'dist', 'src', 'stream-utils.js'))
    if (name.startsWith('@')) { for (const sub of readdirSync(path)) copies(join(path, sub, 'node_modules'), out) } else copies(join(path, 'node_modules'), out)
  }
  return out
}

const root = join(import.meta.dirname, '..', '..', 'node_modules')
const files = copies(root)
let failed = false
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  if (text.includes(MARK)) continue
  if (!text.includes(BEFORE)) {
    console.error(`ferry: cannot bound lpStream's length prefix in ${file}: the code changed. Check whether upstream fixed it (docs/security/upstream-libp2p-utils-lpstream.md) and update node/tools/patch-lpstream.mjs`)
    failed = true
    continue
  }
  writeFileSync(file, text.replace(BEFORE, AFTER))
  console.log(`ferry: bounded lpStream's length prefix in ${file.slice(root.length + 1)}`)
}
if (failed) process.exit(1)
