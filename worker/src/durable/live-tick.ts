import type { ActivityEvent } from './activity-schema.ts'

const FLUSH_MS = 50
/** Least idle time between two flushes, so appends keep running while 1,000 sockets are served. */
const FLUSH_GAP_MS = 20

/**
 * The log's side of the live fan-out: events stored since the last flush wait
 * here and go out together, once per tick, through `publish` (the fan-out of
 * the sockets; decision 004). The tick is bounded: a flush starts FLUSH_MS
 * after the previous one started, and at least FLUSH_GAP_MS after it ended
 * (where the clock runs during a flush, as locally; deployed, it stands still
 * and only the tick counts). Idle, an event goes out at once; otherwise it
 * waits for the tick, however many arrive meanwhile, so at high rates each
 * socket gets one frame per tick carrying all of them, and a slow flush (1,000
 * sockets on a busy machine) is never followed at once by another carrying a
 * single event.
 */
export class FlushTick {
  private batch: ActivityEvent[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private lastFlushStart = 0
  private lastFlushEnd = 0

  constructor(private readonly publish: (batch: ActivityEvent[]) => void) {}

  /** Queue a stored event for the next flush. */
  add(event: ActivityEvent) {
    this.batch.push(event)
    const wait = Math.max(this.lastFlushStart + FLUSH_MS, this.lastFlushEnd + FLUSH_GAP_MS) - Date.now()
    if (!this.timer) {
      if (wait <= 0) this.flush()
      else this.timer = setTimeout(() => this.flush(), wait)
    }
    // Timers can starve while appends arrive back to back: an overdue tick flushes inline.
    else if (wait <= -FLUSH_MS) this.flush()
  }

  /** Drop what waits (the sockets are gone). */
  clear() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.batch = []
  }

  private flush() {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.lastFlushStart = Date.now()
    const batch = this.batch
    this.batch = []
    this.publish(batch)
    this.lastFlushEnd = Date.now()
  }
}
