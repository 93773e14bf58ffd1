import { loadMessages } from 'virtual:trellis/messages'

/**
 * Before the page hydrates: the first pages' messages in the language the server drew it in
 * (`<html lang>`, decision 034), the only one the page will use (see vite.config.ts).
 */
export const init = () => loadMessages(document.documentElement.lang)
