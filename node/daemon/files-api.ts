/**
 * The control API's file endpoints (docs/FILES.md): `POST /v1/files` takes the file's bytes as
 * the request body (not JSON: a file may be 100 MiB) and sends it; `GET /v1/files?id=ID` answers
 * with the plaintext of a complete file. The CLI's `ferry send --file` and `ferry file get` use them.
 */
import { InvalidInputError, UnknownFileError } from '../../protocol/index.js'
import type { Ferry, Files, MessageView } from '../../protocol/index.js'
import type { GroupMessage } from '../../protocol/groups/groups.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The node's files. @throws InvalidInputError when it keeps none */
function needFiles (ferry: Ferry): Files {
  if (ferry.files == null) throw new InvalidInputError('this node keeps no files')
  return ferry.files
}

/** History with each message's file, as `ferry messages` shows it. */
export async function withFiles (ferry: Ferry, views: MessageView[]): Promise<MessageView[]> {
  return ferry.files == null ? views : await ferry.files.withFiles(views)
}

/** The file part of a message's JSON (messageJson), when it carries one. */
export function fileJson (m: MessageView): Record<string, unknown> {
  const f = m.file
  if (f == null) return {}
  return { file: { name: f.name, size: f.size, type: f.type, sha256: f.sha256, status: f.status, received: f.received, error: f.error ?? null, thumbnail: f.thumbnail == null ? null : Buffer.from(f.thumbnail).toString('base64') } }
}

/**
 * `POST /v1/files?contact=NAME&name=FILE[&type=T][&ttlMs=N][&caption=TEXT]`, body: the file.
 * Refused before a byte is read when Content-Length is over the node's limit; counted as it is
 * read otherwise.
 */
export async function postFile (ferry: Ferry, url: URL, req: IncomingMessage): Promise<MessageView | GroupMessage> {
  const files = needFiles(ferry)
  const q = url.searchParams
  const contact = q.get('contact') ?? ''
  const group = q.get('group') ?? ''
  const name = q.get('name') ?? ''
  if ((contact === '') === (group === '') || name === '') throw new InvalidInputError('name and either contact or group are required')
  const ttl = q.get('ttlMs')
  const ttlMs = ttl == null ? undefined : Number(ttl)
  if (ttlMs != null && !Number.isSafeInteger(ttlMs)) throw new InvalidInputError('ttlMs must be a whole number of milliseconds')
  refuseOversized(ferry, req)
  const meta = { name, type: q.get('type') ?? undefined, caption: q.get('caption') ?? undefined, ttlMs }
  if (group !== '') return await files.sendToRoom(group, req as AsyncIterable<Uint8Array>, meta)
  return await files.send(contact, req as AsyncIterable<Uint8Array>, meta)
}

/**
 * Refuse a `POST /v1/files` whose Content-Length is over the node's limit, before a byte of the
 * body is read. Called again when the client asked `Expect: 100-continue`, so that a refused file
 * is not sent at all (the CLI does: a refusal then never races the upload).
 *
 * @throws FileTooLargeError
 */
export function refuseOversized (ferry: Ferry, req: IncomingMessage): void {
  const files = needFiles(ferry)
  const length = Number(req.headers['content-length'] ?? NaN)
  if (Number.isFinite(length) && length > files.maxFileBytes) throw new FileTooLargeError(`the file is ${length} bytes; the most this node sends is ${files.maxFileBytes} bytes (${Math.round(files.maxFileBytes / 1048576)} MiB)`)
}

/** A room message as the API shows it: its file without raw bytes. */
export function groupMessageJson (m: GroupMessage): Record<string, unknown> {
  return { ...m, ...fileJson(m as unknown as MessageView) }
}

/** `GET /v1/files?id=ID`: the plaintext of a complete file. */
export async function getFile (ferry: Ferry, url: URL, res: ServerResponse): Promise<void> {
  const files = needFiles(ferry)
  const id = url.searchParams.get('id') ?? ''
  const file = await files.get(id)
  if (file == null) throw new UnknownFileError(`no file in message ${id}`)
  const chunks = files.open(id)
  const first = await chunks.next() // a file that is not complete fails here, before the headers
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.ref.size), 'x-ferry-name': encodeURIComponent(file.ref.name), 'x-ferry-sha256': Buffer.from(file.ref.sha256).toString('hex') })
  if (first.done !== true) res.write(first.value)
  for await (const c of chunks) {
    if (!res.write(c)) await new Promise(resolve => res.once('drain', resolve))
  }
  res.end()
}

/** A file over the node's size limit (HTTP 413). */
export class FileTooLargeError extends InvalidInputError {
  override name = 'FileTooLargeError'
}
