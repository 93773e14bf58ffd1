/** Colour maths for brand colours: parsing and WCAG 2 contrast. Pure, no DOM. */

export type Rgb = readonly [r: number, g: number, b: number]

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i

/** Parse `#rgb` or `#rrggbb`; null for anything else (brand colours are data, never CSS). */
export function parseHex(value: string): Rgb | null {
  const match = HEX.exec(value.trim())
  if (!match) return null
  let hex = match[1]!
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('')
  const n = Number.parseInt(hex, 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** `#rrggbb` in lower case. */
export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`
}

/** WCAG 2 relative luminance (0 = black, 1 = white). */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/** WCAG 2 contrast ratio between two colours (1 to 21). */
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

const WHITE: Rgb = [255, 255, 255]
const INK: Rgb = [11, 13, 18]

/** WCAG AA for normal text. */
export const AA = 4.5

/**
 * The text colour to put on `background`: white when it reaches AA (brand
 * buttons usually look best with white text), otherwise near-black, and if
 * neither reaches AA (mid-tone colours) whichever contrasts more.
 */
export function readableForeground(background: Rgb): Rgb {
  const onWhite = contrast(background, WHITE)
  if (onWhite >= AA) return WHITE
  const onInk = contrast(background, INK)
  return onInk >= onWhite ? INK : WHITE
}
