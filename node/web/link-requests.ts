/**
 * "Link to this daemon's user" in the web app (docs/DEVICES.md "Linking a browser in one click"):
 * a page the daemon served asks to become a device of the daemon's identity, and the daemon's
 * user approves it with `ferry device approve CODE`, typing the 6-digit code the page shows. Only
 * then does the page receive a link code, and linking goes on as with a pasted one (the link
 * protocol, its confirmation number).
 *
 * Serving the page is not a reason to trust it: anyone who can load the web port (another user
 * of this machine, anyone on the LAN with --web-host) could press the button, and a link hands
 * over the identity. The approval runs through the control API, whose token only the daemon's
 * user holds, and names the one request its code was shown on; a request nobody approves ends
 * after 10 minutes. A stranger can make the daemon hold at most MAX_PENDING requests, and at most
 * MAX_PER_MINUTE new ones a minute.
 */
import { randomBytes, randomInt } from 'node:crypto'

/** How long a request waits for approval, and how long an approved one keeps its link code. */
export const LINK_REQUEST_TTL_MS = 10 * 60_000
export const MAX_PENDING = 4
export const MAX_PER_MINUTE = 6
const MAX_NAME = 64

/** More requests than the daemon holds at once, or makes a minute. */
export class TooManyLinkRequestsError extends Error {
  override name = 'TooManyLinkRequestsError'
}
/** No request waits with that code (never made, expired, or approved already). */
export class UnknownLinkRequestError extends Error {
  override name = 'UnknownLinkRequestError'
}

interface Pending { id: string, code: string, name: string, expiresAt: number, link?: string }

/** What a page learns of its request. */
export type LinkRequestState = { state: 'waiting', expiresAt: number } | { state: 'approved', link: string } | { state: 'gone' }

export class LinkRequests {
  private readonly pending = new Map<string, Pending>()
  private readonly made: number[] = []

  constructor (private readonly now: () => number = Date.now) {}

  /**
   * A new request from a page, named `name` (the device name it asks for).
   *
   * @returns the id only that page knows (it asks for the outcome with it) and the code it shows
   * @throws TooManyLinkRequestsError
   */
  create (name: string): { id: string, code: string, expiresAt: number } {
    this.sweep()
    const now = this.now()
    while (this.made.length > 0 && this.made[0] <= now - 60_000) this.made.shift()
    if (this.pending.size >= MAX_PENDING || this.made.length >= MAX_PER_MINUTE) throw new TooManyLinkRequestsError('too many browsers are asking to link: try again in a few minutes')
    this.made.push(now)
    let code: string
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0'); while ([...this.pending.values()].some(p => p.code === code))
    const request = { id: randomBytes(16).toString('hex'), code, name: cleanName(name), expiresAt: now + LINK_REQUEST_TTL_MS }
    this.pending.set(request.id, request)
    return { id: request.id, code, expiresAt: request.expiresAt }
  }

  /** The outcome of request `id`; an approved one hands out its link code once. */
  state (id: string): LinkRequestState {
    this.sweep()
    const p = this.pending.get(id)
    if (p == null) return { state: 'gone' }
    if (p.link == null) return { state: 'waiting', expiresAt: p.expiresAt }
    this.pending.delete(id)
    return { state: 'approved', link: p.link }
  }

  /**
   * Approve the waiting request that shows `code`: `makeLink` makes its one-time link code.
   *
   * @returns the device name the page asked for
   * @throws UnknownLinkRequestError
   */
  async approve (code: string, makeLink: () => Promise<string>): Promise<string> {
    this.sweep()
    const p = [...this.pending.values()].find(r => r.link == null && r.code === code.trim())
    if (p == null) throw new UnknownLinkRequestError(`no browser is waiting to link with code ${code.trim().slice(0, 6)}: it may have expired (10 minutes); press the button again`)
    p.link = await makeLink()
    p.expiresAt = this.now() + LINK_REQUEST_TTL_MS
    return p.name
  }

  private sweep (): void {
    const now = this.now()
    for (const [id, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(id)
  }
}

/** A device name as asked for: printable, at most 64 characters. */
function cleanName (name: string): string {
  return [...String(name)].filter(ch => ch >= ' ' && ch !== '\u007f').join('').trim().slice(0, MAX_NAME)
}
