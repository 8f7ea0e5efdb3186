/**
 * QR codes for invites: in the terminal (Unicode half blocks), as SVG and as PNG, with the
 * `qrcode` package. An invite carries a post-quantum prekey bundle (~2.4 KiB as a link), near the
 * capacity of one QR code (2,953 bytes at error correction level L), so level L is used.
 */
import QRCode from 'qrcode'

const OPTIONS = { errorCorrectionLevel: 'L', margin: 2 } as const

/** The link's QR code for a terminal. */
export async function qrForTerminal (text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'utf8' })
}

/** Write the link's QR code to `file` as SVG. */
export async function writeQrSvg (file: string, text: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises')
  await writeFile(file, await QRCode.toString(text, { ...OPTIONS, type: 'svg' }))
}

/** Write the link's QR code to `file` as PNG. */
export async function writeQrPng (file: string, text: string): Promise<void> {
  await QRCode.toFile(file, text, { ...OPTIONS, type: 'png', scale: 4 })
}
