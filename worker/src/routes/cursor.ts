import { fieldError } from '../errors.ts'
import { z } from '@hono/zod-openapi'

/** Keyset cursors over (name, id): opaque to clients, stable when names repeat. */
export interface NameCursor {
  name: string
  id: string
}

const Shape = z.tuple([z.string(), z.string()])

export function encodeCursor(cursor: NameCursor): string {
  return btoa(encodeURIComponent(JSON.stringify([cursor.name, cursor.id])))
}

/** Decode a cursor from a query string, or answer 400 naming `cursor`. */
export function decodeCursor(raw: string): NameCursor {
  try {
    const [name, id] = Shape.parse(JSON.parse(decodeURIComponent(atob(raw))))
    return { name, id }
  } catch {
    throw fieldError('validation_failed', 'cursor', 'Not a cursor returned by this API.')
  }
}
