/**
 * `ferry send NAME --file PATH` and `ferry file get MESSAGE_ID --out PATH` (docs/FILES.md): the
 * file's bytes stream to and from the daemon's control API; nothing is held whole in memory.
 */
import { createReadStream, renameSync, rmSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { ApiClient } from './client.js'
import { plain, safeJson } from './terminal.js'
import { parseDuration, UsageError } from './commands.js'
import type { Flags } from './commands.js'

const out = (s: string): void => { process.stdout.write(s + '\n') }

/** Media types by extension for the common cases; anything else is application/octet-stream. */
const TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.pdf': 'application/pdf', '.txt': 'text/plain', '.md': 'text/markdown', '.json': 'application/json', '.zip': 'application/zip', '.mp3': 'audio/mpeg', '.mp4': 'video/mp4', '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.csv': 'text/csv', '.gpx': 'application/gpx+xml', '.kml': 'application/vnd.google-earth.kml+xml' }

/** `ferry send NAME --file PATH [CAPTION] [--expires DUR]`, and with `group`, `ferry group send GROUP --file PATH [CAPTION]`. */
export async function sendFile (f: Flags, args: string[], group = false): Promise<void> {
  const [name, caption] = args
  const path = f.file as string
  if (name == null || args.length > 2) throw new UsageError(`usage: ferry ${group ? 'group send GROUP' : 'send NAME'} --file PATH [CAPTION] [--expires DUR]`)
  const ttlMs = f.expires == null ? undefined : parseDuration(f.expires, '--expires')
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new Error('not a regular file')
    size = st.size
  } catch (err: any) {
    throw new UsageError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message as string}`)
  }
  const q = new URLSearchParams({ [group ? 'group' : 'contact']: name, name: basename(path), type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' })
  if (caption != null) q.set('caption', caption)
  if (ttlMs != null) q.set('ttlMs', String(ttlMs))
  const res = await new ApiClient(f.dataDir).raw('POST', `/v1/files?${q}`, createReadStream(path), { 'content-type': 'application/octet-stream', 'content-length': String(size) })
  let text = ''
  for await (const c of res) text += String(c)
  const m = JSON.parse(text)
  if (f.json) return out(safeJson(m, 2))
  out(group ? plain`${m.id} delivered ${m.recipients.delivered as number}/${m.recipients.total as number}` : plain`${m.id} ${m.status}`)
}

/** `ferry file get MESSAGE_ID --out PATH`: the plaintext of a complete file, written whole or not at all. */
export async function file (f: Flags, args: string[]): Promise<void> {
  const [sub, id] = args
  if (sub !== 'get' || id == null || args.length > 2) throw new UsageError('usage: ferry file get MESSAGE_ID [--out PATH]')
  const api = new ApiClient(f.dataDir)
  const res = await api.raw('GET', `/v1/files?id=${encodeURIComponent(id)}`)
  const target = f.out ?? decodeURIComponent(String(res.headers['x-ferry-name'] ?? id))
  const partial = `${target}.part-${process.pid}`
  const handle = await open(partial, 'w', 0o600)
  let written = 0
  try {
    for await (const c of res) {
      await handle.write(c)
      written += (c as Buffer).byteLength
    }
    await handle.close()
    const expected = Number(res.headers['content-length'])
    if (Number.isFinite(expected) && written !== expected) throw new Error(`the daemon sent ${written} of ${expected} bytes`)
    renameSync(partial, target)
  } catch (err) {
    await handle.close().catch(() => {})
    rmSync(partial, { force: true })
    throw err
  }
  if (f.json) return out(safeJson({ id, path: target, bytes: written, sha256: res.headers['x-ferry-sha256'] }, 2))
  out(plain`wrote ${written} bytes to ${target}`)
}
