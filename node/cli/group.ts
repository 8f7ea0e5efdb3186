/**
 * `ferry group …`: team rooms through the control API (protocol/groups/groups.ts does the work).
 * GROUP is a group's name (unique among yours) or its id; members are contact names, or for a
 * member who is not your contact its identity string.
 */
import { ApiClient } from './client.js'
import { parseDuration, UsageError } from './commands.js'
import { fileNote, plain, safeJson, timestamp } from './terminal.js'
import { sendFile } from './file.js'
import type { Flags } from './commands.js'

const USAGE = 'usage: ferry group create NAME [--member CONTACT]... [--expires DUR] | add GROUP CONTACT... | remove GROUP MEMBER... | leave GROUP | admin GROUP MEMBER [--revoke] | set GROUP [--name N] [--expires DUR|off] | list | info GROUP | send GROUP TEXT [--expires DUR] | send GROUP --file PATH [CAPTION]'

const out = (s: string): void => { process.stdout.write(s + '\n') }
const json = (v: unknown): void => out(safeJson(v, 2))

/** One member as a line: role, name or identity, and "(you)". */
function memberLine (m: any): string {
  return plain`  ${m.role.padEnd(6)} ${m.name ?? m.identity}` + (m.me === true ? ' (you)' : '') + (m.name != null ? plain`  ${m.identity}` : '')
}

function summaryLines (g: any): void {
  out(plain`${g.name}  ${g.group}`)
  out(plain`  ${g.members.length} members, keys ${g.keys}${g.converged === true ? '' : ', catching up'}${g.expiresMs > 0 ? `, messages disappear after ${Math.round(g.expiresMs / 1000)} s` : ''}${g.unread > 0 ? `, ${g.unread as number} unread` : ''}`)
}

/** One group message as a line (recipients for outgoing: delivered k/n, read m/n). */
export function groupMessageLine (m: any): string {
  const who = m.direction === 'out' ? 'you' : m.senderName ?? m.sender.slice(0, 12)
  const state = m.recipients == null ? '' : ` [delivered ${m.recipients.delivered as number}/${m.recipients.total as number}, read ${m.recipients.read as number}/${m.recipients.total as number}]`
  return plain`${timestamp(m.sentAt)} ${who}: ${m.text}` + state + (m.file == null ? '' : fileNote(m.file))
}

export async function group (f: Flags, args: string[]): Promise<void> {
  const [sub, target, ...rest] = args
  const api = new ApiClient(f.dataDir)
  switch (sub) {
    case 'create': {
      if (target == null || rest.length > 0) throw new UsageError('usage: ferry group create NAME [--member CONTACT]... [--expires DUR] [--json]')
      const g = await api.post('/v1/groups', { name: target, members: f.member ?? [], expiresMs: f.expires == null ? undefined : parseDuration(f.expires, '--expires') })
      return f.json ? json({ ...g, group: g.group, name: g.name }) : out(plain`${g.group}`)
    }
    case 'add':
    case 'remove': {
      if (target == null || rest.length === 0) throw new UsageError(`usage: ferry group ${sub} GROUP ${sub === 'add' ? 'CONTACT' : 'MEMBER'}...`)
      const g = await api.post(`/v1/groups/${sub}`, { group: target, members: rest })
      return f.json ? json(g) : out(plain`${sub === 'add' ? 'added' : 'removed'} ${rest.join(', ')}; ${g.name} has ${g.members.length} members`)
    }
    case 'leave': {
      if (target == null || rest.length > 0) throw new UsageError('usage: ferry group leave GROUP')
      const r = await api.post('/v1/groups/leave', { group: target })
      return f.json ? json(r) : out(plain`left ${target}`)
    }
    case 'admin': {
      if (target == null || rest.length !== 1) throw new UsageError('usage: ferry group admin GROUP MEMBER [--revoke]')
      const g = await api.post('/v1/groups/admin', { group: target, member: rest[0], revoke: f.revoke })
      return f.json ? json(g) : out(plain`${rest[0]} is ${f.revoke ? 'no longer an' : 'now an'} admin of ${g.name}`)
    }
    case 'set': {
      if (target == null || rest.length > 0 || (f.name == null && f.expires == null)) throw new UsageError('usage: ferry group set GROUP [--name NAME] [--expires DUR|off]')
      const expiresMs = f.expires == null ? undefined : f.expires === 'off' ? 0 : parseDuration(f.expires, '--expires')
      const g = await api.post('/v1/groups/set', { group: target, name: f.name, expiresMs })
      return f.json ? json(g) : summaryLines(g)
    }
    case 'list': {
      if (target != null) throw new UsageError('usage: ferry group list [--json]')
      const list = await api.get<any[]>('/v1/groups')
      if (f.json) return json(list)
      if (list.length === 0) return out('no groups yet — make one with `ferry group create NAME --member CONTACT`')
      return list.forEach(summaryLines)
    }
    case 'info': {
      if (target == null || rest.length > 0) throw new UsageError('usage: ferry group info GROUP [--json]')
      const g = await api.get(`/v1/groups/info?group=${encodeURIComponent(target)}`)
      if (f.json) return json(g)
      summaryLines(g)
      return g.members.forEach((m: any) => { out(memberLine(m)) })
    }
    case 'send': {
      if (f.file != null) return await sendFile(f, [target, ...rest].filter(x => x != null), true)
      if (target == null || rest.length !== 1) throw new UsageError('usage: ferry group send GROUP TEXT [--expires DUR] (quote the text)')
      const m = await api.post('/v1/groups/send', { group: target, text: rest[0], ttlMs: f.expires == null ? undefined : parseDuration(f.expires, '--expires') })
      return f.json ? json(m) : out(plain`${m.id} delivered ${m.recipients.delivered as number}/${m.recipients.total as number}`)
    }
    default:
      throw new UsageError(USAGE)
  }
}

/** `ferry messages --group GROUP`: the room's history; --follow streams what comes after. */
export async function groupMessages (f: Flags, groupRef: string, args: string[]): Promise<void> {
  if (args.length > 0) throw new UsageError('usage: ferry messages --group GROUP [--json] [--follow]')
  const api = new ApiClient(f.dataDir)
  const q = `group=${encodeURIComponent(groupRef)}`
  const list = await api.get<any[]>(`/v1/groups/messages?${q}`)
  if (!f.follow) return f.json ? json(list) : list.forEach(m => { out(groupMessageLine(m)) })
  let after = 0
  const show = (m: any): void => { after = Math.max(after, m.seq); f.json ? out(safeJson(m)) : out(groupMessageLine(m)) }
  list.forEach(show)
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, 500))
    for (const m of await api.get<any[]>(`/v1/groups/messages?${q}&afterSeq=${after}`)) show(m)
  }
}

/** `ferry read --group GROUP`: mark the room's messages read. */
export async function groupRead (f: Flags, groupRef: string, args: string[]): Promise<void> {
  if (args.length > 0) throw new UsageError('usage: ferry read --group GROUP [--json]')
  const r = await new ApiClient(f.dataDir).post('/v1/groups/read', { group: groupRef })
  if (f.json) return json(r)
  out(plain`${r.read as number} message${r.read === 1 ? '' : 's'} in ${groupRef} marked read`)
}
