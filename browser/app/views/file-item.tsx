/**
 * A file in a conversation: its thumbnail (made by the sender, shown by the browser's own image
 * decoder) or its name, size and progress; a complete picture opens full size in the viewer, any
 * complete file downloads. The work itself (decrypting the chunks) is in app/files.ts, loaded
 * when first used.
 */
import { useEffect, useState } from 'preact/hooks'
import { VIEWABLE } from '../format.js'
import type { Ferry, FileView } from '../../../protocol/index.js'

export function sizeLabel (bytes: number): string {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MiB`
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${bytes} bytes`
}

/** Thumbnail object URLs by message id: made once per page (a view is re-made on every reload), the oldest let go past 500. */
const thumbnails = new Map<string, string>()

function thumbnailUrl (id: string, bytes: Uint8Array | undefined): string | undefined {
  if (bytes == null) return undefined
  let url = thumbnails.get(id)
  if (url == null) {
    thumbnails.set(id, url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' })))
    if (thumbnails.size > 500) {
      const [oldest, gone] = thumbnails.entries().next().value as [string, string]
      thumbnails.delete(oldest)
      URL.revokeObjectURL(gone)
    }
  }
  return url
}

export function FileItem ({ ferry, id, file, fail }: { ferry: Ferry, id: string, file: FileView, fail: (err: unknown) => void }): preact.JSX.Element {
  const thumb = thumbnailUrl(id, file.thumbnail)
  const [viewing, setViewing] = useState(false)
  const complete = file.status === 'complete'
  const save = async (): Promise<void> => {
    try {
      await (await import('../files.js')).download(ferry, id, file.name)
    } catch (err) { fail(err) }
  }
  const canView = complete && VIEWABLE.has(file.type)
  return (
    <div class='file' data-test='file' data-status={file.status}>
      {thumb != null && <img class='thumb' src={thumb} alt={file.name} data-test='thumbnail' onClick={() => { if (canView) setViewing(true) }} title={canView ? 'Open full size' : file.name} />}
      <p class='file-name'><span data-test='file-name'>{file.name}</span> · {sizeLabel(file.size)}</p>
      {file.status === 'fetching' && <progress max={file.size} value={file.received} data-test='file-progress' aria-label={`${file.name}: ${Math.floor(100 * file.received / Math.max(1, file.size))}% received`} />}
      {file.status === 'failed' && <p class='file-error' role='status'>Not received: {file.error}</p>}
      {file.status === 'fetching' && file.error != null && <p class='file-note' data-test='file-note'>{file.error}</p>}
      {complete && <button class='file-save' onClick={() => { void save() }} data-test='download'>Download</button>}
      {viewing && <Viewer ferry={ferry} id={id} file={file} close={() => setViewing(false)} fail={fail} />}
    </div>
  )
}

/** A complete picture, full size, over the page; Escape or a click closes it. */
function Viewer ({ ferry, id, file, close, fail }: { ferry: Ferry, id: string, file: FileView, close: () => void, fail: (err: unknown) => void }): preact.JSX.Element {
  const [url, setUrl] = useState<string>()
  useEffect(() => {
    let made: string | undefined
    void (async () => {
      try {
        made = URL.createObjectURL(await (await import('../files.js')).fileBlob(ferry, id))
        setUrl(made)
      } catch (err) { fail(err); close() }
    })()
    const onKey = (e: KeyboardEvent): void => { if (e.key === 'Escape') close() }
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('keydown', onKey)
      if (made != null) URL.revokeObjectURL(made)
    }
  }, [id])
  return (
    <div class='viewer' role='dialog' aria-label={file.name} onClick={close} data-test='viewer'>
      {url == null ? <p class='hint'>Opening {file.name}…</p> : <img src={url} alt={file.name} data-test='full-image' />}
    </div>
  )
}
