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

/** Keyset cursors over (created_at, id), for lists newest first. */
export interface TimeCursor {
  createdAt: number
  id: string
}

const TimeShape = z.tuple([z.number().int(), z.string().max(64)])

export function encodeTimeCursor(cursor: TimeCursor): string {
  return btoa(JSON.stringify([cursor.createdAt, cursor.id]))
}

/** Decode a time cursor from a query string, or answer 400 naming `cursor`. */
export function decodeTimeCursor(raw: string): TimeCursor {
  try {
    const [createdAt, id] = TimeShape.parse(JSON.parse(atob(raw)))
    return { createdAt, id }
  } catch {
    throw fieldError('validation_failed', 'cursor', 'Not a cursor returned by this API.')
  }
}
