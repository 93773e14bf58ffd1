/** What a brand logo may be: checked from the bytes, never from the declared type alone. */
import { svgProblem } from './svg.ts'

export const LOGO_MAX_BYTES = 256 * 1024

export const logoTypes = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'] as const
export type LogoType = (typeof logoTypes)[number]

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b)
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

/**
 * The type of an uploaded logo from its magic bytes, or the reason it is
 * refused. `declared` (the request's Content-Type) must agree with the bytes.
 */
export function sniffLogo(bytes: Uint8Array, declared: string | null): { ok: true; type: LogoType } | { ok: false; message: string } {
  if (bytes.length === 0) return { ok: false, message: 'The file is empty.' }
  let type: LogoType | null = null
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) type = 'image/png'
  else if (startsWith(bytes, [0xff, 0xd8, 0xff])) type = 'image/jpeg'
  else if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) type = 'image/webp'
  else {
    let text: string | null = null
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    } catch {
      text = null
    }
    if (text !== null && /^\uFEFF?\s*</.test(text)) {
      // SVG is script-capable: only a plain drawing passes (allowlist, domain/svg.ts); it is also served with a CSP that runs nothing.
      const problem = svgProblem(text.trimStart())
      if (problem) return { ok: false, message: problem }
      type = 'image/svg+xml'
    }
  }
  if (!type) return { ok: false, message: 'Upload a PNG, JPEG, WebP or SVG image.' }
  const claimed = (declared ?? '').split(';')[0]!.trim().toLowerCase()
  if (claimed && claimed !== 'application/octet-stream' && claimed !== type && !(claimed === 'image/jpg' && type === 'image/jpeg')) {
    return { ok: false, message: `The file's content is ${type}, not ${claimed}.` }
  }
  return { ok: true, type }
}
