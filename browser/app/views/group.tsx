/**
 * One team room: its members and roles, the admin's controls (add, remove, make admin, the
 * room's timer), leaving, the history with each sender and, for our own messages, how many
 * members hold and have read them ("delivered 2/3 · read 1/3"), and the composer. Messages shown
 * while the tab is visible are marked read, which sends our receipt to the members.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { useLoad, useTick, useVersion } from '../hooks.js'
import { timeLeft, TIMERS, when } from '../format.js'
import { MAX_TEXT_BYTES } from './conversation.js'
import type { ViewProps } from '../view.js'

export function GroupChat ({ tab, go, fail, group }: ViewProps & { group: string }): preact.JSX.Element {
  const version = useVersion(tab)
  const now = useTick(1000)
  const groups = tab.ferry.groups
  const data = useLoad(async () => {
    if (groups == null) return undefined
    const [info, messages, contacts] = await Promise.all([groups.info(group), groups.messages(group), tab.ferry.roster.list()])
    return { info, messages, contacts }
  }, [version, group])
  const [text, setText] = useState('')
  const [adding, setAdding] = useState('')
  const list = useRef<HTMLOListElement>(null)
  const count = data?.messages.length ?? 0
  useEffect(() => { list.current?.lastElementChild?.scrollIntoView({ block: 'end' }) }, [count])
  const reading = useRef(false)
  useEffect(() => {
    if (groups == null || reading.current || document.visibilityState !== 'visible' || (data?.info.unread ?? 0) === 0) return
    reading.current = true
    groups.markRead(group).then(n => { if (n > 0) tab.changed() }, () => {}).finally(() => { reading.current = false })
  }, [group, data])

  if (groups == null) return <p class='hint'>This browser keeps no team rooms.</p>
  if (data == null) return <p class='hint'>Loading…</p>
  const { info } = data
  const me = info.members.find(m => m.me)
  const admin = me?.role === 'admin'
  const names = new Set(info.members.map(m => m.name).filter(n => n != null))
  const addable = data.contacts.filter(c => !names.has(c.name))

  const act = async (what: () => Promise<unknown>): Promise<void> => {
    try {
      await what()
      fail(undefined)
      tab.changed()
    } catch (err) { fail(err) }
  }
  const send = async (): Promise<void> => {
    const body = text.trim()
    if (body.length === 0) { fail('Type a message first: an empty message is not sent.'); return }
    const bytes = new TextEncoder().encode(body).byteLength
    if (bytes > MAX_TEXT_BYTES) { fail(`This message is too long: ${Math.ceil(bytes / 1024)} KiB, and a message holds at most ${MAX_TEXT_BYTES / 1024} KiB.`); return }
    setText('')
    try {
      await groups.send(group, body)
      fail(undefined)
      tab.changed()
    } catch (err) {
      setText(t => t === '' ? body : t)
      fail(err)
    }
  }
  const leave = async (): Promise<void> => {
    if (!confirm(`Leave ${info.name}? You will not get what is sent after this.`)) return
    await act(async () => groups.leave(group))
  }
  return (
    <div class='chat group' data-test='group-chat'>
      <div class='chat-head'>
        <button class='back' onClick={() => go({ name: 'list' })} aria-label='Back to conversations'>‹</button>
        <h2>{info.name}</h2>
        <span class='via' data-test='group-state'>{info.members.length} members{info.converged ? '' : ' · catching up'}</span>
        {admin && (
          <label class='timer-pick'>Disappearing
            <select value={String(info.expiresMs === 0 ? '' : info.expiresMs)} onChange={e => { const v = (e.target as HTMLSelectElement).value; void act(async () => groups.set(group, { expiresMs: v === '' ? 0 : Number(v) })) }} aria-label='Disappearing messages in this room' data-test='group-timer'>
              {TIMERS.map(t => <option key={t.label} value={String(t.ms ?? '')}>{t.ms == null ? 'off' : `after ${t.label}`}</option>)}
            </select>
          </label>
        )}
      </div>
      {me == null && <p class='warn' role='status' data-test='group-removed'>You are no longer a member of {info.name}: nothing sent here from now on reaches you.</p>}
      <details class='members' data-test='group-members'>
        <summary>Members</summary>
        <ul>
          {info.members.map(m => (
            <li key={m.identity} data-test='member' data-name={m.name ?? m.identity}>
              <span class='who'>{m.me ? 'you' : m.name ?? `${m.identity.slice(0, 12)}…`}</span>
              <span class='role'>{m.role}</span>
              {admin && !m.me && <button class='danger' onClick={() => { void act(async () => groups.remove(group, [m.name ?? m.identity])) }} data-test={`remove-${m.name ?? m.identity}`}>Remove</button>}
              {admin && !m.me && m.role === 'member' && <button onClick={() => { void act(async () => groups.admin(group, m.name ?? m.identity)) }} data-test={`promote-${m.name ?? m.identity}`}>Make admin</button>}
            </li>
          ))}
        </ul>
        {admin && addable.length > 0 && (
          <form class='row' onSubmit={e => { e.preventDefault(); if (adding !== '') void act(async () => groups.add(group, [adding])).then(() => setAdding('')) }}>
            <select value={adding} onChange={e => setAdding((e.target as HTMLSelectElement).value)} aria-label='Contact to add' data-test='add-member-pick'>
              <option value=''>add a contact…</option>
              {addable.map(c => <option key={c.name} value={c.name}>{c.name}</option>)}
            </select>
            <button type='submit' data-test='add-member'>Add</button>
          </form>
        )}
        {me != null && <button class='danger' onClick={() => { void leave() }} data-test='leave-group'>Leave room</button>}
      </details>
      <ol class='messages' ref={list} data-test='messages' aria-live='polite'>
        {data.messages.filter(m => m.expiresAt === 0 || m.expiresAt > now).map(m => (
          <li key={m.id} class={`msg ${m.direction}`} data-test='group-message' data-dir={m.direction}>
            {m.direction === 'in' && <p class='sender'>{m.senderName ?? `${m.sender.slice(0, 12)}…`}</p>}
            <p class='text'>{m.text}</p>
            <p class='meta'>
              <time>{when(m.sentAt, now)}</time>
              {m.recipients != null && <span class='state' data-test='receipts'>delivered {m.recipients.delivered}/{m.recipients.total} · read {m.recipients.read}/{m.recipients.total}</span>}
              {m.expiresAt !== 0 && <span class='disappears'>disappears in {timeLeft(m.expiresAt, now)}</span>}
            </p>
          </li>
        ))}
      </ol>
      {me != null && (
        <form class='composer' onSubmit={e => { e.preventDefault(); void send() }}>
          <textarea
            value={text} onInput={e => setText((e.target as HTMLTextAreaElement).value)} placeholder={`Message ${info.name}`} rows={2} aria-label={`Message to ${info.name}`} data-test='group-compose'
            onKeyDown={e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send() } }}
          />
          <button type='submit' data-test='group-send'>Send</button>
        </form>
      )}
    </div>
  )
}
