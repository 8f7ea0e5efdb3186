/**
 * The local control API: HTTP on 127.0.0.1, every request needs `Authorization: Bearer <token>`
 * (token in the data dir, 0600). Its clients are the CLI and `ferry sim`'s daemon nodes; the web app
 * is a peer of its own and does not use it.
 * With `ferry start --api-socket` the same API is also served on `<data dir>/api.sock`.
 */
import { approveLinkRequest, linkCode } from './link.js'
import { fileJson, getFile, groupMessageJson, postFile, refuseOversized, withFiles } from './files-api.js'
import { UnknownLinkRequestError } from '../web/link-requests.js'
import { timingSafeEqual } from 'node:crypto'
import { chmodSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { identityToString, InvalidInputError } from '../../protocol/index.js'
import type { Contact, Ferry, MessageView, RequestView } from '../../protocol/index.js'
import type { Groups } from '../../protocol/groups/groups.js'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** Largest request body accepted: a 64 KiB message as JSON-escaped text fits several times. */
export const MAX_BODY_BYTES = 1024 * 1024
const FOLLOW_POLL_MS = 200

/** HTTP status for each error class a user can cause. */
const STATUS: Record<string, number> = {
  InvalidInputError: 400,
  InvalidInviteError: 400,
  MessageTooLargeError: 413,
  FileTooLargeError: 413,
  UnknownFileError: 404,
  UnknownContactError: 404,
  UnknownRequestError: 404,
  ContactExistsError: 409,
  IdentityChangedError: 409,
  UnknownIdentityError: 409,
  NoSessionError: 409,
  MailboxRefusedError: 502,
  UnreachableError: 504,
  UnknownRoomError: 404,
  NotAdminError: 403,
  NotMemberError: 403,
  InvalidTargetError: 400,
  GroupFullError: 409,
  UnknownCardError: 409,
  RoomAlreadyHeldError: 409,
  IdentityKeyNotHeldError: 409,
  TooManyRoomsError: 507
}

class HttpError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

/**
 * JSON shape of a contact in the API and `ferry contact list --json`.
 *
 * @param unread - received messages from the contact not yet read (`Ferry.unread`)
 */
export function contactJson (c: Contact, unread: number, blocked = false): Record<string, unknown> {
  return {
    name: c.name,
    peerId: c.peerId,
    identity: c.identity == null ? null : identityToString(c.identity),
    addresses: c.addresses,
    addedAt: c.addedAt,
    verified: c.verified === true,
    identityChanged: c.pendingIdentity != null,
    expiresMs: c.expiresMs ?? null,
    unread,
    blocked,
    // the contact's other devices (docs/DEVICES.md), and those it revoked
    devices: (c.devices ?? []).map(d => d.peer),
    revokedDevices: c.revokedDevices ?? []
  }
}

/** JSON shape of a message request in the API and `ferry requests --json`. */
export function requestJson (r: RequestView): Record<string, unknown> {
  return { id: r.id, peer: r.peer, identity: r.identity, text: r.text, receivedAt: r.receivedAt, firstAt: r.firstAt, messages: r.messages, bytes: r.bytes }
}

/** Every contact as contactJson, with its unread count. */
async function contactsJson (ferry: Ferry): Promise<Array<Record<string, unknown>>> {
  const unread = await ferry.conversations.unread()
  return (await ferry.roster.list()).map(c => contactJson(c, unread[c.name] ?? 0, ferry.roster.isBlocked(c.peerId)))
}

/** One contact (just added or changed) as contactJson, with its unread count. */
async function oneContactJson (ferry: Ferry, c: Contact): Promise<Record<string, unknown>> {
  return contactJson(c, (await ferry.conversations.unread())[c.name] ?? 0, ferry.roster.isBlocked(c.peerId))
}

/** JSON shape of a message in the API and `ferry messages --json`. */
export function messageJson (m: MessageView): Record<string, unknown> {
  return { id: m.id, contact: m.contact, peer: m.peer, direction: m.direction, text: m.text, status: m.status, createdAt: m.createdAt, deliveredAt: m.deliveredAt ?? null, expiresAt: m.expiresAt, error: m.error ?? null, rev: m.rev, disappearing: m.disappearing === true, unverified: m.unverified === true, mailboxes: (m.mailboxes ?? []).map(c => ({ host: c.host, storedAt: c.storedAt })), ...(m.devices == null ? {} : { devices: m.devices }), ...fileJson(m) }
}

async function readJson (req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'request body is not valid JSON')
  }
}

/** The bearer token matches. An empty token matches nothing: an empty compare would let anyone in. */
function authorized (req: IncomingMessage, token: Buffer): boolean {
  if (token.length === 0) return false
  const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''))
  return given.length === token.length && timingSafeEqual(given, token)
}

function send (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Stream message changes as NDJSON until the client goes away. */
async function follow (ferry: Ferry, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const contact = url.searchParams.get('contact') ?? undefined
  let after = Number(url.searchParams.get('changedAfter') ?? 0)
  await ferry.conversations.history({ contact, limit: 1 }) // unknown contact -> error before the stream starts
  res.writeHead(200, { 'content-type': 'application/x-ndjson' })
  let open = true
  req.on('close', () => { open = false })
  // messages whose file is being fetched are sent again as it progresses (their rev does not move)
  const fetching = new Map<string, MessageView>()
  const progress = (m: MessageView): string => `${m.file?.status}/${m.file?.received}/${m.file?.error}`
  while (open) {
    for (const m of await withFiles(ferry, await ferry.conversations.history({ contact, changedAfter: after }))) {
      after = Math.max(after, m.rev)
      res.write(JSON.stringify(messageJson(m)) + '\n')
      if (m.file?.status === 'fetching') fetching.set(m.id, m)
      else fetching.delete(m.id)
    }
    for (const m of fetching.size === 0 ? [] : await withFiles(ferry, [...fetching.values()])) {
      if (progress(m) === progress(fetching.get(m.id) as MessageView)) continue
      res.write(JSON.stringify(messageJson(m)) + '\n')
      if (m.file?.status === 'fetching') fetching.set(m.id, m)
      else fetching.delete(m.id)
    }
    await new Promise(resolve => setTimeout(resolve, FOLLOW_POLL_MS))
  }
  res.end()
}

/** The node's team rooms. @throws HttpError when it keeps none */
function groups (ferry: Ferry): Groups {
  if (ferry.groups == null) throw new HttpError(501, 'this node keeps no team rooms')
  return ferry.groups
}

function text (v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${field} must be a non-empty string`)
  return v
}

function names (v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new HttpError(400, `${field} must be a list of names`)
  return v
}

function optionalMs (v: unknown): number | undefined {
  if (v == null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HttpError(400, 'a duration must be a whole number of milliseconds')
  return v
}

async function route (ferry: Ferry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const key = `${req.method} ${url.pathname}`
  switch (key) {
    case 'GET /v1/id':
      return send(res, 200, { identity: identityToString(ferry.identity.identityKey.publicKey.raw), peerId: ferry.peerId, addresses: ferry.addresses() })
    case 'GET /v1/status':
      return send(res, 200, { ...await ferry.status(), ...(ferry.files == null ? {} : { files: ferry.files.stats }) })
    case 'GET /v1/lookup':
      return send(res, 200, await ferry.presence.lookup(url.searchParams.get('target') ?? ''))
    case 'GET /v1/devices':
      return send(res, 200, (await ferry.devices.views()).map(d => ({ device: d.device, name: d.name, current: d.current, addedAt: d.addedAt })))
    case 'POST /v1/devices/link': {
      const body = await readJson(req)
      if (body.historyMs != null && (typeof body.historyMs !== 'number' || body.historyMs <= 0)) throw new HttpError(400, 'historyMs must be a positive number of milliseconds')
      return send(res, 200, { link: await linkCode(ferry, body.historyMs == null ? undefined : Date.now() - body.historyMs) })
    }
    case 'POST /v1/devices/approve': {
      const body = await readJson(req)
      if (typeof body.code !== 'string' || !/^\s*\d{6}\s*$/.test(body.code)) throw new HttpError(400, 'code must be the 6 digits the browser shows')
      if (body.historyMs != null && (typeof body.historyMs !== 'number' || body.historyMs <= 0)) throw new HttpError(400, 'historyMs must be a positive number of milliseconds')
      try {
        return send(res, 200, { approved: body.code.trim(), name: await approveLinkRequest(ferry, body.code, body.historyMs == null ? undefined : Date.now() - body.historyMs) })
      } catch (err) {
        if (err instanceof UnknownLinkRequestError) throw new HttpError(404, err.message)
        throw err
      }
    }
    case 'POST /v1/devices/revoke': {
      const body = await readJson(req)
      if (typeof body.device !== 'string') throw new HttpError(400, 'device must be a device peer id')
      await ferry.devices.revoke(body.device)
      return send(res, 200, { revoked: body.device })
    }
    case 'GET /v1/invite':
      return send(res, 200, { invite: await ferry.roster.invite() })
    case 'GET /v1/contacts':
      return send(res, 200, await contactsJson(ferry))
    case 'POST /v1/contacts': {
      const body = await readJson(req)
      return send(res, 201, await oneContactJson(ferry, await ferry.roster.add(body.name, body.target)))
    }
    case 'GET /v1/contacts/safety': {
      const v = await ferry.roster.safety(url.searchParams.get('name') ?? '')
      return send(res, 200, { contact: v.contact, verified: v.verified, safetyNumber: v.digits, qr: Buffer.from(v.qr).toString('base64'), pending: v.pending == null ? null : { safetyNumber: v.pending.digits, qr: Buffer.from(v.pending.qr).toString('base64') } })
    }
    case 'POST /v1/contacts/verify': {
      const body = await readJson(req)
      if (body.action === 'confirm') return send(res, 200, await oneContactJson(ferry, await ferry.roster.confirm(body.name)))
      if (body.action === 'accept') return send(res, 200, await oneContactJson(ferry, await ferry.roster.acceptIdentity(body.name)))
      throw new HttpError(400, 'action must be "confirm" or "accept"')
    }
    case 'POST /v1/contacts/expires': {
      const body = await readJson(req)
      if (body.expiresMs != null && typeof body.expiresMs !== 'number') throw new HttpError(400, 'expiresMs must be a number of milliseconds or null')
      return send(res, 200, await oneContactJson(ferry, await ferry.conversations.setExpiry(String(body.name), body.expiresMs ?? undefined)))
    }
    case 'GET /v1/mailbox':
      return send(res, 200, await ferry.needMailboxes().status())
    case 'POST /v1/mailbox/host': {
      const body = await readJson(req)
      const o = await ferry.needMailboxes().host(String(body.name), { quotaBytes: body.quotaBytes, quotaMessages: body.quotaMessages, maxTtlMs: body.maxTtlMs })
      return send(res, 200, { contact: o.name, peer: o.peer, quotaBytes: o.quotaBytes, quotaMessages: o.quotaMessages, maxTtlMs: o.maxTtlMs })
    }
    case 'POST /v1/mailbox/unhost': {
      const body = await readJson(req)
      await ferry.needMailboxes().unhost(String(body.name))
      return send(res, 200, { contact: body.name })
    }
    case 'POST /v1/mailbox/use': {
      const body = await readJson(req)
      if (!Array.isArray(body.names)) throw new HttpError(400, 'names must be a list of contact names')
      return send(res, 200, { using: await ferry.useMailboxes(body.names.map(String)) })
    }
    case 'POST /v1/mailbox/revoke': {
      const body = await readJson(req)
      return send(res, 200, { contact: body.name, hosts: await ferry.needMailboxes().revoke(String(body.name)) })
    }
    case 'POST /v1/mailbox/collect':
      return send(res, 200, await ferry.collectMail())
    case 'GET /v1/requests':
      return send(res, 200, (await ferry.roster.requests()).map(requestJson))
    case 'POST /v1/requests/accept': {
      const body = await readJson(req)
      if (typeof body.id !== 'string' || typeof body.name !== 'string') throw new HttpError(400, 'id (a request) and name (for the new contact) are required')
      return send(res, 201, await oneContactJson(ferry, await ferry.roster.acceptRequest(body.id, body.name)))
    }
    case 'POST /v1/requests/decline': {
      const body = await readJson(req)
      if (typeof body.id !== 'string') throw new HttpError(400, 'id (a request) is required')
      return send(res, 200, await ferry.roster.declineRequest(body.id, { block: body.block === true }))
    }
    case 'POST /v1/contacts/block':
    case 'POST /v1/contacts/unblock':
    case 'POST /v1/contacts/remove': {
      const body = await readJson(req)
      if (typeof body.name !== 'string') throw new HttpError(400, 'name must be a contact name')
      const verb = url.pathname.slice('/v1/contacts/'.length)
      const c = verb === 'block' ? await ferry.roster.block(body.name) : verb === 'unblock' ? await ferry.roster.unblock(body.name) : await ferry.roster.remove(body.name)
      return send(res, 200, contactJson(c, 0, ferry.roster.isBlocked(c.peerId)))
    }
    case 'POST /v1/mailbox/allow': {
      const body = await readJson(req)
      await ferry.needMailboxes().allow(String(body.name))
      return send(res, 200, { contact: body.name })
    }
    case 'POST /v1/read': {
      const body = await readJson(req)
      if (typeof body.name !== 'string') throw new HttpError(400, 'name must be a contact name')
      return send(res, 200, { contact: body.name, read: await ferry.conversations.markRead(body.name) })
    }
    case 'GET /v1/messages': {
      const contact = url.searchParams.get('contact') ?? undefined
      const changedAfter = Number(url.searchParams.get('changedAfter') ?? 0)
      const last = url.searchParams.get('last')
      if (last != null && !/^\d{1,9}$/.test(last)) throw new InvalidInputError('last must be a whole number of messages')
      return send(res, 200, (await withFiles(ferry, await ferry.conversations.history({ contact, changedAfter, last: last == null ? undefined : Number(last) }))).map(messageJson))
    }
    case 'GET /v1/messages/follow':
      return follow(ferry, url, req, res)
    case 'POST /v1/messages': {
      const body = await readJson(req)
      return send(res, 201, messageJson(await ferry.conversations.send(body.contact, body.text, { ttlMs: body.ttlMs })))
    }
    case 'POST /v1/files': {
      const m = await postFile(ferry, url, req)
      return send(res, 201, 'group' in m ? groupMessageJson(m) : messageJson(m))
    }
    case 'GET /v1/files':
      return getFile(ferry, url, res)
    case 'GET /v1/groups':
      return send(res, 200, await groups(ferry).list())
    case 'GET /v1/groups/info':
      return send(res, 200, await groups(ferry).info(url.searchParams.get('group') ?? ''))
    case 'GET /v1/groups/messages': {
      const afterSeq = Number(url.searchParams.get('afterSeq') ?? 0)
      return send(res, 200, (await groups(ferry).messages(url.searchParams.get('group') ?? '', { afterSeq })).map(groupMessageJson))
    }
    case 'POST /v1/groups': {
      const body = await readJson(req)
      return send(res, 201, await groups(ferry).create(text(body.name, 'name'), names(body.members ?? [], 'members'), optionalMs(body.expiresMs)))
    }
    case 'POST /v1/groups/add':
    case 'POST /v1/groups/remove': {
      const body = await readJson(req)
      const g = groups(ferry)
      const group = text(body.group, 'group')
      await (url.pathname.endsWith('add') ? g.add(group, names(body.members, 'members')) : g.remove(group, names(body.members, 'members')))
      return send(res, 200, await g.info(group))
    }
    case 'POST /v1/groups/leave': {
      const body = await readJson(req)
      await groups(ferry).leave(text(body.group, 'group'))
      return send(res, 200, { group: body.group, left: true })
    }
    case 'POST /v1/groups/admin': {
      const body = await readJson(req)
      await groups(ferry).admin(text(body.group, 'group'), text(body.member, 'member'), body.revoke === true)
      return send(res, 200, await groups(ferry).info(body.group))
    }
    case 'POST /v1/groups/set': {
      const body = await readJson(req)
      await groups(ferry).set(text(body.group, 'group'), { name: body.name == null ? undefined : text(body.name, 'name'), expiresMs: optionalMs(body.expiresMs) })
      return send(res, 200, await groups(ferry).info(body.name ?? body.group))
    }
    case 'POST /v1/groups/send': {
      const body = await readJson(req)
      return send(res, 201, await groups(ferry).send(text(body.group, 'group'), text(body.text, 'text'), optionalMs(body.ttlMs)))
    }
    case 'POST /v1/groups/read': {
      const body = await readJson(req)
      return send(res, 200, { group: body.group, read: await groups(ferry).markRead(text(body.group, 'group')) })
    }
    default:
      throw new HttpError(404, `no such endpoint: ${key}`)
  }
}

/** The API's HTTP server: every request authorized by the token, errors mapped to statuses. */
function apiServer (ferry: Ferry, token: string, log: (msg: string) => void): Server {
  const secret = Buffer.from(token.trim())
  const handle = (req: IncomingMessage, res: ServerResponse, continued: boolean): void => {
    if (!authorized(req, secret)) return send(res, 401, { error: 'missing or wrong API token', code: 'Unauthorized' })
    const routed = async (): Promise<void> => {
      if (continued) {
        // `Expect: 100-continue`: refuse an oversized file before the client sends it
        if (req.method === 'POST' && new URL(req.url ?? '/', 'http://127.0.0.1').pathname === '/v1/files') refuseOversized(ferry, req)
        res.writeContinue()
      }
      await route(ferry, req, res)
    }
    routed().catch((err: any) => {
      const status = err instanceof HttpError ? err.status : STATUS[err.name] ?? 500
      if (status === 500) log(`API error on ${req.method} ${req.url}: ${err.name}`)
      if (res.headersSent) return res.end()
      // a body refused half-read leaves the rest on the socket: answer, then close the connection,
      // or a client reusing it (keep-alive) would have its next request read as that rest
      if (!req.complete) {
        const socket = req.socket
        res.setHeader('connection', 'close')
        res.once('finish', () => { socket?.destroy() })
      }
      send(res, status, { error: status === 500 ? `internal error: ${err.message}` : err.message, code: err.name })
    })
  }
  const server = createServer((req, res) => { handle(req, res, false) })
  server.on('checkContinue', (req, res) => { handle(req, res, true) })
  return server
}

/** Listen on a TCP port of `host`, or on a Unix socket `path`. */
async function listen (server: Server, where: { port: number, host: string } | { path: string }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(where, () => { server.off('error', reject); resolve() })
  })
}

/**
 * Serve the control API for `ferry` on 127.0.0.1:`port` (0 = any free port).
 *
 * @returns the listening server and its port
 */
export async function serveApi (ferry: Ferry, token: string, port: number, log: (msg: string) => void): Promise<{ server: Server, port: number }> {
  const server = apiServer(ferry, token, log)
  await listen(server, { port, host: '127.0.0.1' })
  const address = server.address()
  return { server, port: typeof address === 'object' && address != null ? address.port : port }
}

/** Longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107

/**
 * Serve the same control API, with the same token, on a Unix socket as well (`ferry start
 * --api-socket`). A socket is a file: a client in another network namespace reaches it (`ferry
 * sim` in netns mode drives daemons whose 127.0.0.1 it cannot see). Mode 0600; a stale socket
 * left by a killed daemon is replaced, so call this only once no live daemon owns `path`.
 *
 * @throws Error when the path is too long for a Unix socket, or cannot be bound
 */
export async function serveApiSocket (ferry: Ferry, token: string, path: string, log: (msg: string) => void): Promise<Server> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new Error(`--api-socket: ${path} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path may have: use a shorter --data-dir`)
  rmSync(path, { force: true })
  const server = apiServer(ferry, token, log)
  await listen(server, { path })
  chmodSync(path, 0o600)
  return server
}
