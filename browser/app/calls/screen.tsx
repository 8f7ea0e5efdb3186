/**
 * The call screen (loaded with the engine): a ringing call with Accept and Decline; a call on its
 * way or on with the contact's video (or name), this tab's own picture small in a corner, the
 * duration, Mute, Camera and Hang up; an ended call's reason for a few seconds. It covers the app
 * while a call is on; nothing of it shows otherwise.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { useTick } from '../hooks.js'
import type { CallEngine, CallState } from './engine.js'

/** m:ss (h:mm:ss past an hour). */
export function duration (ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const mm = String(Math.floor(s / 60) % 60).padStart(s >= 3600 ? 2 : 1, '0')
  return `${s >= 3600 ? `${Math.floor(s / 3600)}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`
}

function Media ({ stream, muted, class: cls, test }: { stream?: MediaStream, muted: boolean, class: string, test: string }): preact.JSX.Element {
  const el = useRef<HTMLVideoElement>(null)
  useEffect(() => { if (el.current != null && el.current.srcObject !== (stream ?? null)) el.current.srcObject = stream ?? null }, [stream])
  return <video ref={el} class={cls} autoPlay playsInline muted={muted} data-test={test} />
}

const WHAT: Record<CallState['phase'], (c: CallState) => string> = {
  ringing: c => `${c.contact} is calling you (${c.video ? 'video' : 'voice'})`,
  calling: c => `Calling ${c.contact}…`,
  connecting: () => 'Connecting…',
  active: c => c.contact,
  ended: c => c.ended ?? 'Call ended'
}

export function CallScreen ({ engine, fail }: { engine: CallEngine, fail: (err: unknown) => void }): preact.JSX.Element | null {
  const [, setVersion] = useState(0)
  useEffect(() => {
    const on = (): void => { setVersion(v => v + 1) }
    engine.addEventListener('change', on)
    return () => { engine.removeEventListener('change', on) }
  }, [engine])
  const now = useTick(1000)
  const call = engine.call
  if (call == null) return null
  const act = (what: () => Promise<void> | void): void => { void (async () => { try { await what() } catch (err) { fail(err) } })() }
  return (
    <div class={`call call-${call.phase}`} role='dialog' aria-label='Call' data-test='call' data-phase={call.phase}>
      {call.video && <Media stream={call.remote} muted={false} class='remote' test='call-remote' />}
      {!call.video && call.remote != null && <Media stream={call.remote} muted={false} class='remote audio-only' test='call-remote' />}
      {call.video && call.local != null && call.phase !== 'ended' && <Media stream={call.local} muted class='local' test='call-local' />}
      {(!call.video || call.phase !== 'active') && <p class='call-who' aria-hidden='true'><span>{[...call.contact][0]?.toUpperCase()}</span>{call.video ? 'Video call' : 'Voice call'}</p>}
      <div class='call-bar'>
        <p class='call-what' role='status' data-test='call-status'>{WHAT[call.phase](call)}</p>
        {call.phase === 'active' && call.connectedAt != null && <p class='call-time' data-test='call-duration'>{duration(now - call.connectedAt)}</p>}
        {call.phase === 'active' && <p class='call-seal' data-test='call-seal' title={call.frames ? 'Every audio and video frame is encrypted again under keys only the two of you hold, inside WebRTC\'s own encryption' : 'WebRTC encryption, its keys vouched for by your Ferry session'}>{call.frames ? 'End-to-end encrypted, frames sealed twice' : 'End-to-end encrypted'}</p>}
        <div class='call-buttons'>
          {call.phase === 'ringing' && <button class='accept' onClick={() => act(async () => engine.accept())} data-test='call-accept'>Accept</button>}
          {call.phase === 'ringing' && <button class='danger' onClick={() => act(async () => engine.decline())} data-test='call-decline'>Decline</button>}
          {call.phase !== 'ringing' && call.phase !== 'ended' && <button onClick={() => act(() => engine.toggleMute())} aria-pressed={call.muted} data-test='call-mute'>{call.muted ? 'Unmute' : 'Mute'}</button>}
          {call.video && call.phase !== 'ringing' && call.phase !== 'ended' && <button onClick={() => act(() => engine.toggleCamera())} aria-pressed={call.cameraOff} data-test='call-camera'>{call.cameraOff ? 'Camera on' : 'Camera off'}</button>}
          {call.phase !== 'ringing' && call.phase !== 'ended' && <button class='hangup' onClick={() => act(async () => engine.hangUp())} data-test='call-hangup'>Hang up</button>}
        </div>
      </div>
    </div>
  )
}
