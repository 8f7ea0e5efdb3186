/**
 * One conversation: history with live delivery states, the disappearing-message timer, the
 * safety-number link and the composer (Enter sends, Shift+Enter starts a new line). Messages
 * shown while the tab is visible are marked read, which sends the contact a read receipt.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { useLoad, useTick, useVersion } from '../hooks.js'
import { callLabel, stateLabel, timeLeft, TIMERS, when } from '../format.js'
import { FileItem } from './file-item.js'
import { placeCall } from '../calls/host.js'
import { readCallRecord } from '../../../protocol/calls/signals.js'
import type { ViewProps } from '../view.js'
import type { TransportName } from '../../../protocol/reach/reach.js'

/** Longest message the composer takes, in UTF-8 bytes (the envelope cap leaves room for padding and headers). */
export const MAX_TEXT_BYTES = 60 * 1024

/** How the conversation travels, best first: a direct WebRTC connection beats a relayed one. */
const TRANSPORT_LABELS: Array<[TransportName, string]> = [['webrtc', 'WebRTC (direct)'], ['webrtc-direct', 'WebRTC-direct'], ['websockets', 'WebSockets'], ['tcp', 'TCP'], ['circuit-relay', 'a relay'], ['memory', 'memory'], ['other', 'another transport']]

function bestTransport (transports: TransportName[]): string | undefined {
  return TRANSPORT_LABELS.find(([t]) => transports.includes(t))?.[1]
}

export function Conversation ({ tab, go, fail, contact }: ViewProps & { contact: string }): preact.JSX.Element {
  const version = useVersion(tab)
  const now = useTick(1000)
  const data = useLoad(async () => {
    const c = (await tab.ferry.roster.list()).find(x => x.name === contact)
    const history = c == null ? [] : await tab.ferry.conversations.history({ contact })
    const messages = tab.ferry.files == null ? history : await tab.ferry.files.withFiles(history)
    const status = await tab.ferry.status()
    return { contact: c, messages, blocked: c != null && tab.ferry.roster.isBlocked(c.peerId), via: bestTransport(status.connections.filter(x => x.peer === c?.peerId).map(x => x.transport)) }
  }, [version, contact])
  const [text, setText] = useState('')
  const list = useRef<HTMLOListElement>(null)
  const count = data?.messages.length ?? 0
  useEffect(() => { list.current?.lastElementChild?.scrollIntoView({ block: 'end' }) }, [count])
  // a file on its way: look again each second so its progress shows
  const fetching = data?.messages.some(m => m.file?.status === 'fetching') === true
  useEffect(() => {
    if (!fetching) return
    const timer = setInterval(() => { tab.changed() }, 1000)
    return () => { clearInterval(timer) }
  }, [fetching])
  const [dragging, setDragging] = useState(false)
  const reading = useRef(false)
  const actions = useRef<HTMLDetailsElement>(null)
  useEffect(() => {
    if (reading.current || document.visibilityState !== 'visible') return
    if (data?.messages.some(m => m.direction === 'in' && m.status === 'delivered') !== true) return
    reading.current = true
    tab.ferry.conversations.markRead(contact)
      .then(ids => { if (ids.length > 0) tab.changed() }, () => {})
      .finally(() => { reading.current = false })
  }, [contact, data])

  if (data == null) return <p class='hint'>Loading…</p>
  if (data.contact == null) return <p class='hint'>No contact named {contact}.</p>
  const c = data.contact

  const send = async (): Promise<void> => {
    const body = text.trim()
    if (body.length === 0) { fail('Type a message first: an empty message is not sent.'); return }
    const bytes = new TextEncoder().encode(body).byteLength
    if (bytes > MAX_TEXT_BYTES) { fail(`This message is too long: ${Math.ceil(bytes / 1024)} KiB, and a message holds at most ${MAX_TEXT_BYTES / 1024} KiB. Split it into parts.`); return }
    // clear at once: the next message may be typed before this one is queued
    setText('')
    try {
      await tab.ferry.conversations.send(contact, body)
      fail(undefined)
      tab.changed()
    } catch (err) {
      setText(now => now === '' ? body : now) // give the text back to fix, unless a new one was started
      fail(err)
    }
  }
  const attach = async (files: FileList | null | undefined): Promise<void> => {
    for (const file of Array.from(files ?? [])) {
      try {
        await (await import('../files.js')).sendFile(tab.ferry, contact, file)
        fail(undefined)
        tab.changed()
      } catch (err) { fail(err) }
    }
  }
  const act = async (what: () => Promise<unknown>, after?: () => void): Promise<void> => {
    if (actions.current != null) actions.current.open = false
    try {
      await what()
      fail(undefined)
      tab.changed()
      after?.()
    } catch (err) { fail(err) }
  }
  const remove = async (): Promise<void> => {
    if (!confirm(`Remove ${c.name} from your contacts? Your conversation stays; what they send later arrives as a message request.`)) return
    await act(async () => tab.ferry.roster.remove(contact), () => go({ name: 'list' }))
  }
  const setTimer = async (ms: number | undefined): Promise<void> => {
    try {
      await tab.ferry.conversations.setExpiry(contact, ms)
      tab.changed()
    } catch (err) { fail(err) }
  }
  return (
    <div
      class={`chat${dragging ? ' dropping' : ''}`} data-test='chat'
      onDragOver={e => { if (e.dataTransfer?.types.includes('Files') === true) { e.preventDefault(); setDragging(true) } }}
      onDragLeave={() => setDragging(false)}
      onDrop={e => { e.preventDefault(); setDragging(false); void attach(e.dataTransfer?.files) }}
    >
      <div class='chat-head'>
        <button class='back' onClick={() => go({ name: 'list' })} aria-label='Back to conversations'>‹</button>
        <h2>{c.name}</h2>
        <span class='via' data-test='via'>{data.via == null ? 'not connected' : `via ${data.via}`}</span>
        <button onClick={() => { void placeCall(tab, contact, false).catch(fail) }} title={`Voice call ${c.name}`} data-test='call-voice'>Call</button>
        <button onClick={() => { void placeCall(tab, contact, true).catch(fail) }} title={`Video call ${c.name}`} data-test='call-video'>Video</button>
        <button onClick={() => go({ name: 'safety', contact })} data-test='open-safety'>{c.verified === true ? 'Verified ✓' : 'Verify'}</button>
        <label class='timer-pick'>Disappearing
          <select value={String(c.expiresMs ?? '')} onChange={e => { const v = (e.target as HTMLSelectElement).value; void setTimer(v === '' ? undefined : Number(v)) }} aria-label='Disappearing messages' data-test='timer'>
            {TIMERS.map(t => <option key={t.label} value={String(t.ms ?? '')}>{t.ms == null ? 'off' : `after ${t.label}`}</option>)}
          </select>
        </label>
      </div>
      <details class='contact-actions' ref={actions}>
        <summary data-test='contact-actions'>More</summary>
        {data.blocked
          ? <button onClick={() => { void act(async () => tab.ferry.roster.unblock(contact)) }} data-test='unblock'>Unblock {c.name}</button>
          : <button class='danger' onClick={() => { void act(async () => tab.ferry.roster.block(contact)) }} data-test='block'>Block {c.name}</button>}
        <button class='danger' onClick={() => { void remove() }} data-test='remove-contact'>Remove contact</button>
      </details>
      {data.blocked && <p class='warn' role='status' data-test='blocked'>You blocked {c.name}: nothing they send reaches you, and you cannot send to them.</p>}
      {c.pendingIdentity != null && <p class='warn' role='alert'>{c.name}'s safety number changed. Sending is paused until you check it: <button onClick={() => go({ name: 'safety', contact })}>Check</button></p>}
      {/* invariant 4: nothing is shown after its expiry, even before the sweep deletes it */}
      <ol class='messages' ref={list} data-test='messages' aria-live='polite'>
        {data.messages.filter(m => m.disappearing !== true || m.expiresAt > now).map(m => ({ m, call: readCallRecord(m.text) })).map(({ m, call }) => (
          <li key={`${m.direction}${m.id}`} class={`msg ${m.direction} status-${m.status}${call == null ? '' : ` call-record call-${call.outcome}`}`} data-test='message' data-id={m.id} data-status={m.status}>
            {m.file != null && <FileItem ferry={tab.ferry} id={m.id} file={m.file} fail={fail} />}
            {(m.file == null || m.text !== '') && <p class='text'>{call == null ? m.text : callLabel(call, m.direction)}</p>}
            <p class='meta'>
              <time>{when(m.createdAt, now)}</time>
              {m.direction === 'out' && <span class='state' data-test='state'>{stateLabel(m)}</span>}
              {m.unverified === true && <span class='unverified' title='This came through a mailbox under a key you have not confirmed with this contact: compare safety numbers' data-test='unverified'>unverified sender</span>}
              {m.disappearing === true && <span class='disappears' title='disappearing message' data-test='disappears'>disappears in {timeLeft(m.expiresAt, now)}</span>}
            </p>
          </li>
        ))}
      </ol>
      <form class='composer' onSubmit={e => { e.preventDefault(); void send() }}>
        <textarea
          value={text} onInput={e => setText((e.target as HTMLTextAreaElement).value)} placeholder={`Message ${c.name}`} rows={2} aria-label={`Message to ${c.name}`} data-test='compose'
          onKeyDown={e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send() } }}
        />
        {tab.ferry.files != null && (
          <label class='attach button' title='Send a file or a picture (or drop it here)'>Attach
            <input type='file' multiple hidden onChange={e => { const input = e.target as HTMLInputElement; void attach(input.files).finally(() => { input.value = '' }) }} data-test='attach' />
          </label>
        )}
        <button type='submit' data-test='send'>Send</button>
      </form>
    </div>
  )
}
