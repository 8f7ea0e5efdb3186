/**
 * The web app's file work, loaded when first used (attach, view, download): the sender's
 * thumbnail, reading a picked file into Ferry, and the plaintext of a complete file as a Blob.
 * Received pictures are decoded only by the browser's own image decoder (an <img>), never here.
 */
import { MAX_THUMBNAIL_BYTES } from '../../protocol/files/constants.js'
import { VIEWABLE } from './format.js'
import type { Ferry, MessageView } from '../../protocol/index.js'

/**
 * A JPEG of at most MAX_THUMBNAIL_BYTES of a picture the user picked, made here on the sender's
 * side (the recipient shows it before any chunk arrives); undefined for anything else.
 */
export async function makeThumbnail (file: File): Promise<Uint8Array | undefined> {
  if (!VIEWABLE.has(file.type)) return undefined
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return undefined // not a picture after all: sent without a thumbnail
  }
  try {
    for (const side of [320, 240, 160, 96]) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height))
      const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)))
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
      for (const quality of [0.75, 0.5, 0.3]) {
        const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality })
        if (jpeg.size <= MAX_THUMBNAIL_BYTES) return new Uint8Array(await jpeg.arrayBuffer())
      }
    }
    return undefined
  } finally {
    bitmap.close()
  }
}

/** Send a picked or dropped file to contact `name`, with a thumbnail when it is a picture. */
export async function sendFile (ferry: Ferry, name: string, file: File, caption = ''): Promise<MessageView> {
  if (ferry.files == null) throw new Error('this page keeps no files')
  if (file.size > ferry.files.maxFileBytes) throw new Error(`${file.name} is ${Math.ceil(file.size / 1048576)} MiB; a file may be at most ${Math.round(ferry.files.maxFileBytes / 1048576)} MiB`)
  const thumbnail = await makeThumbnail(file)
  const reader = file.stream().getReader()
  const source = (async function * () {
    while (true) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  })()
  return await ferry.files.send(name, source, { name: file.name, type: file.type === '' ? undefined : file.type, caption, thumbnail })
}

/** The plaintext of a complete file as a Blob of its announced type (octet-stream unless viewable). */
export async function fileBlob (ferry: Ferry, id: string): Promise<Blob> {
  if (ferry.files == null) throw new Error('this page keeps no files')
  const file = await ferry.files.get(id)
  const parts: Uint8Array[] = []
  for await (const c of ferry.files.open(id)) parts.push(c)
  const type = file != null && VIEWABLE.has(file.ref.type) ? file.ref.type : 'application/octet-stream'
  return new Blob(parts as BlobPart[], { type })
}

/** Save a complete file through the browser's download. */
export async function download (ferry: Ferry, id: string, name: string): Promise<void> {
  const url = URL.createObjectURL(await fileBlob(ferry, id))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
}
