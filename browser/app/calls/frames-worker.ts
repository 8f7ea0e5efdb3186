/**
 * The media frame cipher of a call (docs/CALLS.md "Media encrypted twice"), run by WebRTC encoded
 * transforms (RTCRtpScriptTransform) in this worker: each outgoing frame is sealed with AES-GCM
 * under this side's media key, each incoming one opened under the other side's, inside DTLS-SRTP.
 * The first bytes of a frame stay clear (the codec's header the RTP packetizer reads: Opus's TOC
 * byte, VP8's 10-byte key-frame or 3-byte delta header) and are bound as associated data; a
 * 12-byte random IV follows the ciphertext. A frame that does not open is dropped, never decoded.
 * Self-contained (no imports): built as its own file, frames-worker.js.
 */
/** seal: under `key` (this side's); open: under the other side's key, posted to the worker when known */
interface Options { mode: 'seal' | 'open', key?: Uint8Array, kind: 'audio' | 'video' }
interface EncodedFrame { data: ArrayBuffer, type?: 'key' | 'delta' | 'empty' }

const IV_BYTES = 12
const TAG_BYTES = 16
const counts = { sealed: 0, opened: 0, failed: 0 }
let reported = 0
/**
 * The other side's key arrives after the transforms are set (they must be in place before the
 * session description is applied, and the caller learns the key from the answer): frames to
 * open wait for it.
 */
let theirKey!: (key: Uint8Array) => void
const opening = new Promise<CryptoKey>(resolve => { theirKey = key => { resolve(crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, ['decrypt'])) } })
;(self as any).onmessage = (e: MessageEvent<{ theirKey?: Uint8Array }>) => { if (e.data.theirKey != null) theirKey(e.data.theirKey) }

function clearBytes (kind: 'audio' | 'video', frame: EncodedFrame): number {
  if (kind === 'audio') return 1
  return frame.type === 'key' ? 10 : 3
}

function report (): void {
  const now = Date.now()
  if (now - reported < 200) return
  reported = now
  ;(self as any).postMessage({ ...counts })
}

async function transform (options: Options, readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>): Promise<void> {
  const key = options.mode === 'seal' ? await crypto.subtle.importKey('raw', options.key as BufferSource, 'AES-GCM', false, ['encrypt']) : await opening
  await readable.pipeThrough(new TransformStream<EncodedFrame, EncodedFrame>({
    async transform (frame, controller) {
      const data = new Uint8Array(frame.data)
      const clear = Math.min(clearBytes(options.kind, frame), data.byteLength)
      try {
        if (options.mode === 'seal') {
          const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
          const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: data.subarray(0, clear) }, key, data.subarray(clear)))
          const out = new Uint8Array(clear + sealed.byteLength + IV_BYTES)
          out.set(data.subarray(0, clear))
          out.set(sealed, clear)
          out.set(iv, clear + sealed.byteLength)
          frame.data = out.buffer
          counts.sealed++
        } else {
          if (data.byteLength < clear + TAG_BYTES + IV_BYTES) throw new Error('short frame')
          const iv = data.subarray(data.byteLength - IV_BYTES)
          const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: data.subarray(0, clear) }, key, data.subarray(clear, data.byteLength - IV_BYTES)))
          const out = new Uint8Array(clear + plain.byteLength)
          out.set(data.subarray(0, clear))
          out.set(plain, clear)
          frame.data = out.buffer
          counts.opened++
        }
        controller.enqueue(frame)
      } catch {
        counts.failed++ // not ours, or altered: dropped
      }
      report()
    }
  })).pipeTo(writable)
}

;(self as any).onrtctransform = (event: any) => {
  const t = event.transformer
  void transform(t.options as Options, t.readable, t.writable).catch(() => {})
}
