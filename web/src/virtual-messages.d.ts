/** The browser's messages helper, made by vite.config.ts (trellis:browser-messages). */
declare module 'virtual:trellis/messages' {
  /** Loads the first pages' messages in `locale` (the base language for one not offered). */
  export function loadMessages(locale: string): Promise<void>
}
